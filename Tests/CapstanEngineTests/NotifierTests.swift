import CapstanCore
import CapstanEngine
import CapstanTesting
import Foundation
import Testing

/// The notifier on the in-memory store and outbox, a scripted transport and the test clock: what goes where,
/// in which order, on which schedule, and how it stops.
@Suite struct NotifierTests {
    static let payments = NotificationConfig(name: "payments", url: "http://payments.test/hook",
                                             events: [EventPattern("deployment.*")!], labels: ["team": "payments"])
    static let everything = NotificationConfig(name: "all", url: "http://all.test/hook", secret: .inline("s"))

    @Test func eachReceiverGetsWhatMatchesInEventOrder() async throws {
        let fixture = NotifierFixture()
        try await fixture.app("checkout", labels: ["team": "payments", "env": "prod"])
        try await fixture.app("search", labels: ["team": "discovery"])
        let transport = ScriptedTransport()
        let notifier = try fixture.notifier([Self.payments, Self.everything], transport: transport, secret: "s")
        try await notifier.prepare()
        let task = Task { await notifier.run() }

        let checkout = try await fixture.deploy("checkout", id: "d-1", stages: 1)  // created, stage
        let search = try await fixture.deploy("search", id: "d-2")
        let error = try await fixture.store.write([], events: [NewEvent(kind: .repositoryError, at: fixture.now(),
                                                                        message: "fetch failed")]).map(\.sequence)
        let all = checkout + search + error
        #expect(await fixture.until(advancing: .seconds(1)) { transport.deliveries(to: "all.test").count == all.count })
        #expect(transport.deliveries(to: "all.test") == all.map { "all-\($0)" })
        #expect(transport.deliveries(to: "payments.test") == ["payments-\(checkout[0])"], "deployment.* of team payments only")

        let request = try #require(transport.requests.first { $0.url.host == "all.test" })
        #expect(request.headers["Content-Type"] == "application/json")
        #expect(request.headers["X-Capstan-Event"] == "deployment.created")
        #expect(request.headers["X-Capstan-Signature"]?.hasPrefix("sha256=") == true)
        #expect(transport.requests.first { $0.url.host == "payments.test" }?.headers["X-Capstan-Signature"] == nil,
                "no secret: unsigned")
        notifier.stop()
        await task.value
        #expect(try await fixture.outbox.deliveries(of: nil, limit: 100).allSatisfy { $0.state == .delivered })
    }

    @Test func aNewReceiverStartsAtTheEndOfTheLog() async throws {
        let fixture = NotifierFixture()
        let before = try await fixture.deploy("checkout", id: "d-old")
        let transport = ScriptedTransport()
        let notifier = try fixture.notifier([Self.everything], transport: transport, secret: "s")
        try await notifier.prepare()
        #expect(try await fixture.outbox.cursor(of: "all") == before.last)
        let task = Task { await notifier.run() }
        let after = try await fixture.deploy("checkout", id: "d-new")
        #expect(await fixture.until(advancing: .seconds(1)) { transport.requests.count == 1 })
        #expect(transport.deliveries(to: "all.test") == ["all-\(after[0])"])
        task.cancel()
        await task.value
    }

    @Test func failuresBackOffOnScheduleThenTheDeliveryIsDeadAndTheReceiverMovesOn() async throws {
        let fixture = NotifierFixture()
        let transport = ScriptedTransport { request, _ in
            request.headers["X-Capstan-Delivery"] == "all-1" ? .answer(.status(503)) : .answer(.status(204))
        }
        let policy = RetryPolicy(base: .seconds(10), maxBackoff: .seconds(40), maxAttempts: 4)
        let notifier = try fixture.notifier([Self.everything], transport: transport, retry: policy, secret: "s")
        try await notifier.prepare()
        let task = Task { await notifier.run() }
        try await fixture.deploy("checkout", id: "d-1")   // event 1: refused every time
        try await fixture.deploy("checkout", id: "d-2")   // event 2: waits behind it
        fixture.clock.advance(by: .seconds(1))  // the follower's poll
        for (attempt, wait) in [(1, 5.0), (2, 10.0), (3, 20.0)] {
            // Half of each ceiling (the random source says 0.5): 10 s, 20 s, 40 s halved.
            #expect(await fixture.until { transport.requests.count == attempt && fixture.sleeping(wait) }, "attempt \(attempt)")
            #expect(transport.deliveries(to: "all.test") == Array(repeating: "all-1", count: attempt), "all-2 waits its turn")
            fixture.clock.advance(by: .seconds(wait - 0.5))
            try await Task.sleep(for: .milliseconds(30))
            #expect(transport.requests.count == attempt, "not before it is due")
            fixture.clock.advance(by: .seconds(0.5))
        }
        #expect(await fixture.until { transport.requests.count == 5 })
        #expect(transport.deliveries(to: "all.test") == ["all-1", "all-1", "all-1", "all-1", "all-2"])
        let rows = try await fixture.outbox.deliveries(of: "all", limit: 10)
        #expect(rows.map(\.state) == [.dead, .delivered])
        #expect(rows[0].attempts == 4 && rows[0].lastError == "HTTP 503 from http://all.test")
        task.cancel()
        await task.value
    }

    @Test func stopLetsTheAttemptInFlightFinishAndRecordsIt() async throws {
        let fixture = NotifierFixture()
        let transport = ScriptedTransport { _, _ in .held(.status(200)) }
        let notifier = try fixture.notifier([Self.everything], transport: transport, secret: "s")
        try await notifier.prepare()
        let task = Task { await notifier.run() }
        try await fixture.deploy("checkout", id: "d-1")
        #expect(await fixture.until(advancing: .seconds(1)) { transport.held == 1 })
        notifier.stop()
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await fixture.outbox.pending(of: "all", limit: 5).count == 1, "still in flight")
        transport.release()
        await task.value
        #expect(try await fixture.outbox.deliveries(of: "all", limit: 5).map(\.state) == [.delivered])
    }

    @Test func aReceiverThatHangsHoldsBackNoOther() async throws {
        let fixture = NotifierFixture()
        let transport = ScriptedTransport { request, _ in
            request.headers["X-Capstan-Delivery"] == "all-1" ? .held(.status(200)) : .answer(.status(200))
        }
        let other = NotificationConfig(name: "other", url: "http://other.test/hook")
        let notifier = try fixture.notifier([Self.everything, other], transport: transport, secret: "s")
        try await notifier.prepare()
        let task = Task { await notifier.run() }
        for n in 1...5 { try await fixture.deploy("checkout", id: "d-\(n)") }
        #expect(await fixture.until(advancing: .seconds(1)) { transport.deliveries(to: "other.test").count == 5 })
        #expect(transport.deliveries(to: "all.test") == ["all-1"], "stuck on its first")
        transport.release()
        #expect(await fixture.until(advancing: .seconds(1)) { transport.deliveries(to: "all.test").count == 5 })
        task.cancel()
        await task.value
    }

    @Test func withoutReceiversItWaitsToBeStopped() async throws {
        let fixture = NotifierFixture()
        let notifier = try fixture.notifier([], transport: ScriptedTransport())
        let task = Task { await notifier.run() }
        try await Task.sleep(for: .milliseconds(20))
        notifier.stop()
        await task.value
    }

    @Test func aMissingSecretIsASetupError() {
        #expect(throws: NotificationSetupError.self) {
            try NotificationTarget(Self.everything, secret: nil, defaultLink: "http://127.0.0.1:8080")
        }
    }
}
