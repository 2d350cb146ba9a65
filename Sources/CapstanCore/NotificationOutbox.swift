public import Foundation

/// Where a delivery stands.
public enum DeliveryState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Not accepted yet: the next attempt is due at `nextAttemptAt`.
    case pending
    /// The receiver answered 2xx.
    case delivered
    /// Every attempt the retry policy allows failed; it is not sent again.
    case dead
}

/// One event on its way to one receiver: a row of the outbox.
public struct NotificationDelivery: Sendable, Hashable {
    /// `<notification>-<event sequence>`: the same on every attempt and after a restart, so that a receiver
    /// that gets a delivery twice (at-least-once) can tell.
    public var id: String
    public var notification: String
    /// The event's sequence in the event log; deliveries of one receiver go out in this order.
    public var sequence: Int64
    public var kind: EventKind
    /// The request body, built once when the event was queued: every attempt sends the same bytes.
    public var body: Data
    public var state: DeliveryState
    /// Attempts made so far.
    public var attempts: Int
    /// When the next attempt is due (pending), or when it ended (delivered, dead).
    public var nextAttemptAt: Date
    /// Why the last attempt failed, as people read it (a status, a connection error); never a secret.
    public var lastError: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(notification: String, sequence: Int64, kind: EventKind, body: Data, state: DeliveryState = .pending,
                attempts: Int = 0, nextAttemptAt: Date, lastError: String? = nil, createdAt: Date, updatedAt: Date? = nil) {
        self.id = Self.id(notification: notification, sequence: sequence)
        self.notification = notification
        self.sequence = sequence
        self.kind = kind
        self.body = body
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.lastError = lastError
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// The delivery id of an event for a receiver. Unique: a notification name ends in a letter or digit
    /// and the sequence is all digits, so the last `-` splits it unambiguously.
    public static func id(notification: String, sequence: Int64) -> String { "\(notification)-\(sequence)" }
}

/// Moves a receiver's cursor in the event log: from where it was (nil: it has none yet) to `to`.
public struct OutboxCursorMove: Sendable, Hashable {
    public var notification: String
    public var from: Int64?
    public var to: Int64

    public init(notification: String, from: Int64?, to: Int64) {
        self.notification = notification
        self.from = from
        self.to = to
    }
}

/// The persisted queue of outbound notifications and, per receiver, how far into the event log it has
/// looked (its cursor).
///
/// ``enqueue(_:moving:)`` inserts deliveries and moves cursors in one transaction, and fails as a whole when
/// a cursor is not where the caller read it: an event is queued for a receiver exactly once, even when the
/// process dies between reading the log and writing, or when two writers race.
public protocol NotificationOutbox: Sendable {
    /// The last event sequence `notification` has looked at; nil before its first start.
    func cursor(of notification: String) async throws -> Int64?
    /// Inserts `deliveries` and applies `cursors`, all or nothing. Throws ``StoreError/conflict(_:)`` when
    /// a cursor is not at its `from`, or a delivery with the same id exists.
    func enqueue(_ deliveries: [NotificationDelivery], moving cursors: [OutboxCursorMove]) async throws
    /// The pending deliveries of `notification`, in event order, at most `limit`.
    func pending(of notification: String, limit: Int) async throws -> [NotificationDelivery]
    /// Stores the outcome of an attempt (state, attempts, next attempt, last error, updated time) of a delivery
    /// that is still pending. Throws ``StoreError/notFound(_:)`` when there is no such delivery and
    /// ``StoreError/conflict(_:)`` when it is no longer pending.
    func record(_ delivery: NotificationDelivery) async throws
    /// Deliveries of `notification` (nil: of every receiver) in any state, by receiver then event order, at most `limit`.
    func deliveries(of notification: String?, limit: Int) async throws -> [NotificationDelivery]
    /// Removes delivered and dead deliveries last updated before `date`; returns how many went.
    @discardableResult
    func prune(finishedBefore date: Date) async throws -> Int
}
