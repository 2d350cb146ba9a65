public import Foundation

/// How often and how long a failing delivery is tried again: exponential backoff with full jitter.
///
/// After the n-th failed attempt in a row the next one waits a time drawn uniformly from
/// `[0, min(maxBackoff, base · 2^(n−1))]`. Full jitter (rather than a fixed or half-jittered backoff)
/// spreads the retries of many deliveries that failed together — a receiver that was down for everyone —
/// so they do not come back in waves. After `maxAttempts` attempts the delivery is given up (dead).
public struct RetryPolicy: Sendable, Hashable {
    public var base: Duration
    public var maxBackoff: Duration
    public var maxAttempts: Int

    public init(base: Duration, maxBackoff: Duration, maxAttempts: Int) {
        self.base = base
        self.maxBackoff = maxBackoff
        self.maxAttempts = max(1, maxAttempts)
    }

    /// Outbound notifications: 5 s, 10 s, 20 s, … up to 10 min, ten attempts — at most about 31 minutes
    /// from the first attempt to the last, about half that on average.
    public static let notifications = RetryPolicy(base: .seconds(5), maxBackoff: .seconds(600), maxAttempts: 10)

    /// The longest wait after `failures` failed attempts (1 after the first): `min(maxBackoff, base · 2^(failures−1))`.
    public func ceiling(afterFailures failures: Int) -> Duration {
        let exponent = Double(min(max(failures - 1, 0), 64))
        let seconds = min(Self.seconds(maxBackoff), Self.seconds(base) * pow(2, exponent))
        return .seconds(seconds)
    }

    /// The wait after `failures` failed attempts: `unit` (a random number in `[0, 1)`) of the ceiling.
    public func delay(afterFailures failures: Int, unit: Double) -> Duration {
        let unit = unit.isFinite ? min(max(unit, 0), 1) : 0
        return .seconds(Self.seconds(ceiling(afterFailures: failures)) * unit)
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// How one attempt to deliver went.
public enum DeliveryAttempt: Sendable, Hashable {
    /// The receiver answered 2xx.
    case accepted
    /// Any other answer, or none (connection refused, timeout); the reason as people read it.
    case failed(String)
}

extension NotificationDelivery {
    /// The delivery after one more attempt made at `now`: delivered when accepted; else pending again after
    /// a jittered backoff (`unit` in `[0, 1)` picks the wait), or dead once the policy's attempts are used.
    public func after(_ attempt: DeliveryAttempt, at now: Date, policy: RetryPolicy, unit: Double) -> NotificationDelivery {
        var next = self
        next.attempts += 1
        next.updatedAt = now
        switch attempt {
        case .accepted:
            next.state = .delivered
            next.nextAttemptAt = now
        case .failed(let reason):
            next.lastError = reason
            if next.attempts >= policy.maxAttempts {
                next.state = .dead
                next.nextAttemptAt = now
            } else {
                let wait = policy.delay(afterFailures: next.attempts, unit: unit)
                let components = wait.components
                next.nextAttemptAt = now.addingTimeInterval(
                    Double(components.seconds) + Double(components.attoseconds) / 1e18)
            }
        }
        return next
    }
}
