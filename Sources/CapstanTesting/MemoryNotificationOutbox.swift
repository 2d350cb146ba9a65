public import CapstanCore
public import Foundation

/// A ``NotificationOutbox`` in memory, with the SQLite outbox's semantics: all-or-nothing enqueues checked
/// against the cursors, pending-only updates, the same orders and errors, dates kept to the microsecond.
/// The shared outbox tests run against both.
public actor MemoryNotificationOutbox: NotificationOutbox {
    private var cursors: [String: Int64] = [:]
    private var rows: [String: NotificationDelivery] = [:]

    /// An empty outbox.
    public init() {}

    public func cursor(of notification: String) throws -> Int64? { cursors[notification] }

    public func enqueue(_ deliveries: [NotificationDelivery], moving moves: [OutboxCursorMove]) throws {
        var nextCursors = cursors
        for move in moves {
            let current = nextCursors[move.notification]
            guard current == move.from else {
                throw StoreError.conflict("the cursor of notification \(move.notification) is at "
                    + "\(current.map { String($0) } ?? "no event yet"), not \(move.from.map { String($0) } ?? "none") as expected")
            }
            nextCursors[move.notification] = move.to
        }
        var nextRows = rows
        for delivery in deliveries {
            guard nextRows[delivery.id] == nil else { throw StoreError.conflict("delivery \(delivery.id) is already queued") }
            nextRows[delivery.id] = Self.rounded(delivery)
        }
        cursors = nextCursors
        rows = nextRows
    }

    public func pending(of notification: String, limit: Int) throws -> [NotificationDelivery] {
        Array(sorted(rows.values.filter { $0.notification == notification && $0.state == .pending }).prefix(max(limit, 0)))
    }

    public func record(_ delivery: NotificationDelivery) throws {
        guard var current = rows[delivery.id] else { throw StoreError.notFound("delivery \(delivery.id)") }
        guard current.state == .pending else {
            throw StoreError.conflict("delivery \(delivery.id) is \(current.state.rawValue), no longer pending")
        }
        // Only what an attempt changes, as the SQLite outbox's UPDATE.
        current.state = delivery.state
        current.attempts = delivery.attempts
        current.nextAttemptAt = delivery.nextAttemptAt
        current.lastError = delivery.lastError
        current.updatedAt = delivery.updatedAt
        rows[delivery.id] = Self.rounded(current)
    }

    public func deliveries(of notification: String?, limit: Int) throws -> [NotificationDelivery] {
        Array(sorted(rows.values.filter { notification == nil || $0.notification == notification }).prefix(max(limit, 0)))
    }

    @discardableResult
    public func prune(finishedBefore date: Date) throws -> Int {
        let limit = MemoryDeploymentStore.rounded(date)
        let gone = rows.values.filter { $0.state != .pending && $0.updatedAt < limit }.map(\.id)
        for id in gone { rows.removeValue(forKey: id) }
        return gone.count
    }

    /// By receiver (byte order, as SQLite sorts text), then event order.
    private func sorted(_ deliveries: [NotificationDelivery]) -> [NotificationDelivery] {
        deliveries.sorted {
            $0.notification != $1.notification
                ? $0.notification.utf8.lexicographicallyPrecedes($1.notification.utf8) : $0.sequence < $1.sequence
        }
    }

    private static func rounded(_ delivery: NotificationDelivery) -> NotificationDelivery {
        var delivery = delivery
        delivery.nextAttemptAt = MemoryDeploymentStore.rounded(delivery.nextAttemptAt)
        delivery.createdAt = MemoryDeploymentStore.rounded(delivery.createdAt)
        delivery.updatedAt = MemoryDeploymentStore.rounded(delivery.updatedAt)
        return delivery
    }
}
