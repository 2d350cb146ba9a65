import CapstanCore
@testable import CapstanStore
import CapstanTesting
import Foundation
import Testing

/// The `NotificationOutbox` contract, run against the SQLite outbox and the in-memory one.
@Suite struct OutboxTests {
    /// Runs `body` on a fresh outbox of `kind` (a SQLite one is the store itself, in a temporary folder).
    static func with(_ kind: StoreKind, _ body: (any NotificationOutbox) async throws -> Void) async throws {
        switch kind {
        case .memory:
            try await body(MemoryNotificationOutbox())
        case .sqlite:
            try await withTemporaryStoreURL { url in
                try await SQLiteDeploymentStore.withStore(at: url) { try await body($0) }
            }
        }
    }

    static func delivery(_ notification: String, _ sequence: Int64, at seconds: Double = 0) -> NotificationDelivery {
        NotificationDelivery(notification: notification, sequence: sequence, kind: .deploymentStateChanged,
                             body: Data("{\"n\":\(sequence)}\n\u{0}é".utf8), nextAttemptAt: Sample.time(seconds),
                             createdAt: Sample.time(seconds))
    }

    @Test(arguments: StoreKind.allCases)
    func cursorsStartAbsentAndMoveWithTheirDeliveries(kind: StoreKind) async throws {
        try await Self.with(kind) { outbox in
            #expect(try await outbox.cursor(of: "ops") == nil)
            try await outbox.enqueue([], moving: [OutboxCursorMove(notification: "ops", from: nil, to: 4)])
            #expect(try await outbox.cursor(of: "ops") == 4)
            try await outbox.enqueue([Self.delivery("ops", 5), Self.delivery("ops", 7)],
                                     moving: [OutboxCursorMove(notification: "ops", from: 4, to: 9),
                                              OutboxCursorMove(notification: "chat", from: nil, to: 9)])
            #expect(try await outbox.cursor(of: "ops") == 9)
            #expect(try await outbox.cursor(of: "chat") == 9)
            #expect(try await outbox.pending(of: "ops", limit: 10).map(\.id) == ["ops-5", "ops-7"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aCursorThatMovedMeanwhileRefusesTheWholeEnqueue(kind: StoreKind) async throws {
        try await Self.with(kind) { outbox in
            try await outbox.enqueue([], moving: [OutboxCursorMove(notification: "ops", from: nil, to: 4)])
            for moves in [[OutboxCursorMove(notification: "ops", from: 3, to: 9)],
                          [OutboxCursorMove(notification: "chat", from: nil, to: 9), OutboxCursorMove(notification: "ops", from: nil, to: 9)]] {
                await #expect { try await outbox.enqueue([Self.delivery("ops", 5)], moving: moves) } throws: {
                    ($0 as? StoreError)?.isConflict ?? false
                }
            }
            #expect(try await outbox.cursor(of: "ops") == 4)
            #expect(try await outbox.cursor(of: "chat") == nil)
            #expect(try await outbox.deliveries(of: nil, limit: 10).isEmpty, "nothing of a refused enqueue remains")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDeliveryIsQueuedOnce(kind: StoreKind) async throws {
        try await Self.with(kind) { outbox in
            try await outbox.enqueue([Self.delivery("ops", 5)], moving: [])
            await #expect { try await outbox.enqueue([Self.delivery("ops", 6), Self.delivery("ops", 5)], moving: []) } throws: {
                ($0 as? StoreError)?.isConflict ?? false
            }
            #expect(try await outbox.deliveries(of: "ops", limit: 10).map(\.id) == ["ops-5"])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func everyFieldRoundTrips(kind: StoreKind) async throws {
        try await Self.with(kind) { outbox in
            let queued = Self.delivery("ops", 42, at: 1.5)
            try await outbox.enqueue([queued], moving: [])
            #expect(try await outbox.pending(of: "ops", limit: 1) == [queued])
            var failed = queued.after(.failed("HTTP 500 from http://r \"quoted\""), at: Sample.time(2.25),
                                      policy: .notifications, unit: 0.5)
            failed.nextAttemptAt = Date(timeIntervalSince1970: failed.nextAttemptAt.timeIntervalSince1970.rounded())
            try await outbox.record(failed)
            let back = try #require(try await outbox.pending(of: "ops", limit: 1).first)
            #expect(back == failed)
            #expect(back.body == queued.body && back.attempts == 1 && back.lastError == "HTTP 500 from http://r \"quoted\"")
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pendingIsOneReceiversUnfinishedDeliveriesInEventOrder(kind: StoreKind) async throws {
        try await Self.with(kind) { outbox in
            try await outbox.enqueue([Self.delivery("ops", 12), Self.delivery("chat", 3), Self.delivery("ops", 2),
                                      Self.delivery("ops", 7)], moving: [])
            #expect(try await outbox.pending(of: "ops", limit: 10).map(\.sequence) == [2, 7, 12])
            #expect(try await outbox.pending(of: "ops", limit: 2).map(\.sequence) == [2, 7])
            #expect(try await outbox.pending(of: "ops", limit: 0).isEmpty)
            let first = try #require(try await outbox.pending(of: "ops", limit: 1).first)
            try await outbox.record(first.after(.accepted, at: Sample.time(1), policy: .notifications, unit: 0))
            #expect(try await outbox.pending(of: "ops", limit: 10).map(\.sequence) == [7, 12])
            #expect(try await outbox.deliveries(of: nil, limit: 10).map(\.id) == ["chat-3", "ops-2", "ops-7", "ops-12"])
            #expect(try await outbox.deliveries(of: "ops", limit: 10).map(\.state) == [.delivered, .pending, .pending])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func onlyAPendingDeliveryChanges(kind: StoreKind) async throws {
        try await Self.with(kind) { outbox in
            let queued = Self.delivery("ops", 1)
            try await outbox.enqueue([queued], moving: [])
            let delivered = queued.after(.accepted, at: Sample.time(1), policy: .notifications, unit: 0)
            try await outbox.record(delivered)
            await #expect { try await outbox.record(queued.after(.failed("late"), at: Sample.time(2), policy: .notifications, unit: 0)) }
                throws: { ($0 as? StoreError)?.isConflict ?? false }
            await #expect { try await outbox.record(Self.delivery("ops", 99)) } throws: { ($0 as? StoreError)?.isNotFound ?? false }
            #expect(try await outbox.deliveries(of: "ops", limit: 1) == [delivered])
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pruneRemovesOldFinishedDeliveriesOnly(kind: StoreKind) async throws {
        try await Self.with(kind) { outbox in
            try await outbox.enqueue((1...4).map { Self.delivery("ops", $0) }, moving: [])
            let policy = RetryPolicy(base: .seconds(1), maxBackoff: .seconds(1), maxAttempts: 1)
            try await outbox.record(Self.delivery("ops", 1).after(.accepted, at: Sample.time(10), policy: policy, unit: 0))
            try await outbox.record(Self.delivery("ops", 2).after(.failed("x"), at: Sample.time(10), policy: policy, unit: 0))
            try await outbox.record(Self.delivery("ops", 3).after(.accepted, at: Sample.time(30), policy: policy, unit: 0))
            #expect(try await outbox.prune(finishedBefore: Sample.time(20)) == 2)
            #expect(try await outbox.deliveries(of: nil, limit: 10).map(\.id) == ["ops-3", "ops-4"])
            #expect(try await outbox.prune(finishedBefore: Sample.time(20)) == 0)
        }
    }

    @Test func theSQLiteOutboxSurvivesAReopen() async throws {
        try await withTemporaryStoreURL(inMemory: false) { url in
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                try await store.enqueue([Self.delivery("ops", 3)], moving: [OutboxCursorMove(notification: "ops", from: nil, to: 3)])
            }
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                let cursor = try await store.cursor(of: "ops")
                let pending = try await store.pending(of: "ops", limit: 5)
                #expect(cursor == 3)
                #expect(pending == [Self.delivery("ops", 3)])
            }
        }
    }

    /// What migration v3 added, taken away again: a file as v2 left it.
    static let undoV3 = """
        DROP INDEX notification_deliveries_pending;
        DROP TABLE notification_deliveries;
        DROP TABLE notification_cursors;
        ALTER TABLE apps DROP COLUMN labels;
        DELETE FROM grdb_migrations WHERE identifier = 'v3';
        """

    @Test func aVersion2FileGainsTheOutboxAndLabelsAndKeepsItsApps() async throws {
        try await withTemporaryStoreURL { url in
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                try await store.executeUnchecked(Self.undoV3)
                try await store.executeUnchecked("""
                    INSERT INTO apps (name, repository, config_path, status, updated_at)
                    VALUES ('checkout', 'apps', 'apps/checkout/capstan.yaml', 'SYNCED', 0);
                    """)
                #expect(try await store.appliedMigrations() == ["v1", "v2"])
            }
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                #expect(try await store.appliedMigrations() == ["v1", "v2", "v3"])
                let app = try #require(try await store.app("checkout"))
                #expect(app.labels == [:] && app.status == .synced)
                #expect(try await store.cursor(of: "ops") == nil)
                try await store.enqueue([Self.delivery("ops", 1)], moving: [OutboxCursorMove(notification: "ops", from: nil, to: 1)])
                #expect(try await store.pending(of: "ops", limit: 1).map(\.id) == ["ops-1"])
                #expect(try await store.integrityCheck() == ["ok"])
            }
        }
    }

    /// A receiver's next delivery is a seek in the partial index, whatever the delivered rows.
    @Test func pendingDeliveriesAreReadThroughThePartialIndex() async throws {
        try await withTemporaryStoreURL { url in
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                let plan = try await store.queryPlan("""
                    SELECT \(SQLiteDeploymentStore.deliveryColumns) FROM notification_deliveries
                    WHERE notification = 'ops' AND state = 'pending' ORDER BY sequence LIMIT 1
                    """)
                #expect(plan == ["SEARCH notification_deliveries USING INDEX notification_deliveries_pending (notification=?)"])
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func applicationLabelsRoundTrip(kind: StoreKind) async throws {
        try await kind.with { store in
            var app = Sample.app("checkout")
            app.labels = ["team": "payments", "quote": "a \"b\"", "": "empty key"]
            try await store.write([.upsertApp(app), .upsertApp(Sample.app("billing", full: false))], events: [])
            #expect(try await store.app("checkout")?.labels == app.labels)
            #expect(try await store.app("billing")?.labels == [:])
            app.labels = [:]
            try await store.write([.upsertApp(app)], events: [])
            #expect(try await store.app("checkout")?.labels == [:])
        }
    }
}
