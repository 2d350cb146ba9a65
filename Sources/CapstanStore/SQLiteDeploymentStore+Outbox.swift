public import CapstanCore
public import Foundation
import GRDB

/// The outbox of outbound notifications, in the same file as the event log it follows (migration v3).
///
/// Same guarantees as the rest of the store: every write is one transaction, SQLite failures become
/// ``StoreError/unavailable(_:)``, dates are kept to the microsecond.
extension SQLiteDeploymentStore: NotificationOutbox {
    static let deliveryColumns =
        "id, notification, sequence, kind, body, state, attempts, next_attempt_at, last_error, created_at, updated_at"

    /// The last event sequence `notification` has looked at; nil before its first start.
    public func cursor(of notification: String) async throws -> Int64? {
        try await StoreFailure.mapping("read \(path)") {
            try await pool.read { db in
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT sequence FROM notification_cursors WHERE notification = ?"),
                                   arguments: [notification])
            }
        }
    }

    /// Inserts `deliveries` and moves `cursors` in one transaction, or nothing when a cursor moved meanwhile.
    public func enqueue(_ deliveries: [NotificationDelivery], moving cursors: [OutboxCursorMove]) async throws {
        if deliveries.isEmpty && cursors.isEmpty { return }
        try await StoreFailure.mapping("write to \(path)") {
            try await pool.write { db in
                for move in cursors {
                    try Self.apply(move, db)
                }
                let exists = try db.cachedStatement(sql: "SELECT 1 FROM notification_deliveries WHERE id = ?")
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO notification_deliveries (\(Self.deliveryColumns)) VALUES (?,?,?,?,?,?,?,?,?,?,?)")
                for delivery in deliveries {
                    if try Bool.fetchOne(exists, arguments: [delivery.id]) != nil {
                        throw StoreError.conflict("delivery \(delivery.id) is already queued")
                    }
                    try insert.execute(arguments: Self.arguments(delivery))
                }
            }
        }
    }

    /// The pending deliveries of `notification`, in event order (the partial index serves it).
    public func pending(of notification: String, limit: Int) async throws -> [NotificationDelivery] {
        guard limit > 0 else { return [] }
        return try await fetchDeliveries("""
            SELECT \(Self.deliveryColumns) FROM notification_deliveries
            WHERE notification = ? AND state = 'pending' ORDER BY sequence LIMIT ?
            """, [notification, limit])
    }

    /// Stores an attempt's outcome; only a pending delivery may change.
    public func record(_ delivery: NotificationDelivery) async throws {
        try await StoreFailure.mapping("write to \(path)") {
            try await pool.write { db in
                try db.cachedStatement(sql: """
                    UPDATE notification_deliveries SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?,
                        updated_at = ?
                    WHERE id = ? AND state = 'pending'
                    """).execute(arguments: [
                        delivery.state.rawValue, delivery.attempts, StoreDate.microseconds(delivery.nextAttemptAt),
                        delivery.lastError, StoreDate.microseconds(delivery.updatedAt), delivery.id,
                    ])
                guard db.changesCount == 0 else { return }
                let state = try String.fetchOne(db, sql: "SELECT state FROM notification_deliveries WHERE id = ?",
                                                arguments: [delivery.id])
                guard let state else { throw StoreError.notFound("delivery \(delivery.id)") }
                throw StoreError.conflict("delivery \(delivery.id) is \(state), no longer pending")
            }
        }
    }

    /// Deliveries in any state, by receiver then event order.
    public func deliveries(of notification: String?, limit: Int) async throws -> [NotificationDelivery] {
        guard limit > 0 else { return [] }
        let base = "SELECT \(Self.deliveryColumns) FROM notification_deliveries"
        guard let notification else {
            return try await fetchDeliveries("\(base) ORDER BY notification, sequence LIMIT ?", [limit])
        }
        return try await fetchDeliveries("\(base) WHERE notification = ? ORDER BY sequence LIMIT ?", [notification, limit])
    }

    /// Removes delivered and dead deliveries last updated before `date`.
    @discardableResult
    public func prune(finishedBefore date: Date) async throws -> Int {
        try await StoreFailure.mapping("write to \(path)") {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM notification_deliveries WHERE state != 'pending' AND updated_at < ?",
                               arguments: [StoreDate.microseconds(date)])
                return db.changesCount
            }
        }
    }

    // MARK: Rows

    private static func apply(_ move: OutboxCursorMove, _ db: Database) throws {
        let current = try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT sequence FROM notification_cursors WHERE notification = ?"),
            arguments: [move.notification])
        guard current == move.from else {
            throw StoreError.conflict("the cursor of notification \(move.notification) is at "
                + "\(current.map { String($0) } ?? "no event yet"), not \(move.from.map { String($0) } ?? "none") as expected")
        }
        try db.cachedStatement(sql: """
            INSERT INTO notification_cursors (notification, sequence) VALUES (?, ?)
            ON CONFLICT (notification) DO UPDATE SET sequence = excluded.sequence
            """).execute(arguments: [move.notification, move.to])
    }

    private static func arguments(_ delivery: NotificationDelivery) -> StatementArguments {
        [delivery.id, delivery.notification, delivery.sequence, delivery.kind.rawValue, delivery.body,
         delivery.state.rawValue, delivery.attempts, StoreDate.microseconds(delivery.nextAttemptAt), delivery.lastError,
         StoreDate.microseconds(delivery.createdAt), StoreDate.microseconds(delivery.updatedAt)]
    }

    private static func delivery(_ row: Row) throws -> NotificationDelivery {
        var delivery = NotificationDelivery(
            notification: try row.decode(String.self, atIndex: 1),
            sequence: try row.decode(Int64.self, atIndex: 2),
            kind: try Records.value(EventKind.self, row, 3, "notification_deliveries.kind"),
            body: try row.decode(Data.self, atIndex: 4),
            state: try Records.value(DeliveryState.self, row, 5, "notification_deliveries.state"),
            attempts: try row.decode(Int.self, atIndex: 6),
            nextAttemptAt: try Records.date(row, 7),
            lastError: try row.decode(String?.self, atIndex: 8),
            createdAt: try Records.date(row, 9),
            updatedAt: try Records.date(row, 10))
        delivery.id = try row.decode(String.self, atIndex: 0)
        return delivery
    }

    private func fetchDeliveries(_ sql: String, _ arguments: StatementArguments) async throws -> [NotificationDelivery] {
        try await StoreFailure.mapping("read \(path)") {
            try await pool.read { db in
                try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(Self.delivery)
            }
        }
    }
}
