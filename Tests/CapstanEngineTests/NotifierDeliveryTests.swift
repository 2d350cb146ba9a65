import CapstanCore
import CapstanEngine
import CapstanStore
import CapstanTesting
import Foundation
import Testing

/// The notifier against real receivers on loopback, over URLSession, with the SQLite outbox: retries, exactly
/// once per delivery id across a restart, and a receiver that hangs.
@Suite(.serialized) struct NotifierDeliveryTests {
    static let secret = "loopback-s3cret"

    /// A store in a fresh folder, removed afterwards.
    static func withStoreURL(_ body: (URL) async throws -> Void) async throws {
        let url = try SQLiteDeploymentStore.temporaryURL()
        defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
        try await body(url)
    }

    static func config(_ receiver: NotificationReceiver) -> NotificationConfig {
        NotificationConfig(name: "ops", url: receiver.url, secret: .inline(secret))
    }

    @Test func aReceiverThatFailsItsFirstTwoAttemptsGetsEveryEventOncePerDeliveryId() async throws {
        let receiver = try await NotificationReceiver(secret: Self.secret, failFirst: 2)
        defer { receiver.stop() }
        try await Self.withStoreURL { url in
            let store = try SQLiteDeploymentStore.open(at: url)
            defer { try? store.close() }
            let fixture = NotifierFixture(store: store, outbox: store)
            let notifier = try fixture.notifier([Self.config(receiver)], transport: URLSessionNotificationTransport(timeout: .seconds(5)),
                                                secret: Self.secret)
            try await notifier.prepare()
            let task = Task { await notifier.run() }
            var sequences: [Int64] = []
            for n in 1...3 { sequences += try await fixture.deploy("checkout", id: "d-\(n)", stages: 1) }
            let ids = sequences.map { "ops-\($0)" }

            #expect(try await fixture.until(advancing: .seconds(1)) { try await receiver.state().accepted.count == ids.count })
            notifier.stop()
            await task.value
            let state = try await receiver.state()
            #expect(state.accepted == ids, "every event, in order")
            #expect(state.duplicates.isEmpty && state.badSignatures.isEmpty, "each once, each signature good")
            #expect(state.attempts == Dictionary(uniqueKeysWithValues: ids.map { ($0, 3) }), "two refusals, then accepted")
            for id in ids {
                #expect(state.seen[id]?["deliveryId"] == id, "the body names its delivery")
                #expect(state.seen[id]?["kind"] == state.seen[id]?["header"], "X-Capstan-Event is the event's kind")
            }
            let rows = try await store.deliveries(of: "ops", limit: 100)
            #expect(rows.map(\.state) == Array(repeating: .delivered, count: ids.count) && rows.allSatisfy { $0.attempts == 3 })
            #expect(rows.allSatisfy { $0.lastError == "HTTP 500 from \(receiver.url.replacingOccurrences(of: "/hook", with: ""))" })
        }
    }

    @Test func aRestartInTheMiddleDeliversTheRestAndNothingTwice() async throws {
        let receiver = try await NotificationReceiver(secret: Self.secret, failFirst: 2)
        defer { receiver.stop() }
        try await Self.withStoreURL { url in
            var sequences: [Int64] = []
            // The first process: stopped with deliveries done, one in backoff and the rest waiting.
            var resumeAt = Date()
            do {
                let store = try SQLiteDeploymentStore.open(at: url)
                defer { try? store.close() }
                let fixture = NotifierFixture(store: store, outbox: store)
                let notifier = try fixture.notifier([Self.config(receiver)],
                                                    transport: URLSessionNotificationTransport(timeout: .seconds(5)), secret: Self.secret)
                try await notifier.prepare()
                let task = Task { await notifier.run() }
                for n in 1...4 { sequences += try await fixture.deploy("checkout", id: "d-\(n)", stages: 1) }
                let midway = try await fixture.until(advancing: .seconds(1)) {
                    let retrying = try await store.pending(of: "ops", limit: 1).first.map { $0.attempts > 0 } ?? false
                    return try await receiver.state().accepted.count >= 2 && retrying
                }
                #expect(midway)
                notifier.stop()
                await task.value
                let pending = try await store.pending(of: "ops", limit: 100)
                // What stop() let finish is recorded; what is left waits for the next process.
                #expect(!pending.isEmpty, "stopped with deliveries still to make")
                // The engine goes on while nothing delivers: events appended now are queued at the next start.
                for n in 5...6 { sequences += try await fixture.deploy("checkout", id: "d-\(n)") }
                resumeAt = fixture.now()
            }

            // The second process, on the same file, later.
            let store = try SQLiteDeploymentStore.open(at: url)
            defer { try? store.close() }
            let fixture = NotifierFixture(store: store, outbox: store, origin: resumeAt)
            let notifier = try fixture.notifier([Self.config(receiver)], transport: URLSessionNotificationTransport(timeout: .seconds(5)),
                                                secret: Self.secret)
            try await notifier.prepare()
            let task = Task { await notifier.run() }
            let ids = sequences.map { "ops-\($0)" }
            #expect(try await fixture.until(advancing: .seconds(1)) { try await receiver.state().accepted.count == ids.count })
            notifier.stop()
            await task.value
            let state = try await receiver.state()
            #expect(state.accepted == ids, "every event once, in order, across the restart")
            #expect(state.duplicates.isEmpty, "none accepted twice: \(state.duplicates)")
            #expect(state.attempts.values.allSatisfy { $0 == 3 } && state.attempts.count == ids.count,
                    "the attempts made before the restart count: \(state.attempts)")
            #expect(try await store.pending(of: "ops", limit: 10).isEmpty)
        }
    }

    /// The one test on real time: a receiver that accepts connections and never answers holds its own queue
    /// for the whole timeout, and the other receiver gets everything meanwhile; cancelling returns at once
    /// although a request is still in flight (URLSession's task is left to time out, never cancelled).
    @Test func aReceiverThatHangsDoesNotDelayAnother() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let receiver = try await NotificationReceiver(secret: Self.secret, failFirst: 0)
        defer { receiver.stop() }
        let store = MemoryDeploymentStore(), outbox = MemoryNotificationOutbox()
        let targets = [
            try NotificationTarget(NotificationConfig(name: "hung", url: "http://127.0.0.1:\(silent.port)/hook"),
                                   secret: nil, defaultLink: "http://127.0.0.1:8080"),
            try NotificationTarget(Self.config(receiver), secret: Self.secret, defaultLink: "http://127.0.0.1:8080"),
        ]
        let notifier = Notifier(targets: targets, store: store, outbox: outbox,
                                transport: URLSessionNotificationTransport(timeout: .seconds(30)),
                                settings: .init(pollInterval: .milliseconds(20)))
        try await notifier.prepare()
        let task = Task { await notifier.run() }
        let fixture = NotifierFixture(store: store, outbox: outbox)
        let started = ContinuousClock.now
        for n in 1...5 { try await fixture.deploy("checkout", id: "d-\(n)") }
        #expect(try await fixture.until { try await receiver.state().accepted.count == 5 })
        #expect(ContinuousClock.now - started < .seconds(10), "not held back by the 30 s timeout of the other")
        let hung = try await outbox.pending(of: "hung", limit: 10)
        #expect(hung.count == 5 && hung[0].attempts == 0, "its first request is still in flight")

        let cancelled = ContinuousClock.now
        task.cancel()
        await task.value
        #expect(ContinuousClock.now - cancelled < .seconds(5), "cancelling does not wait for the hung request")
    }
}
