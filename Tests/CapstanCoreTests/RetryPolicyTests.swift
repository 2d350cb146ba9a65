import CapstanCore
import Foundation
import Testing

/// The retry schedule of notifications: exponential backoff, capped, with full jitter; dead after the last attempt.
@Suite struct RetryPolicyTests {
    static let policy = RetryPolicy(base: .seconds(1), maxBackoff: .seconds(60), maxAttempts: 10)
    static let t0 = Date(timeIntervalSince1970: 1_750_000_000)

    @Test func ceilingsDoubleFromTheBaseUpToTheCap() {
        let ceilings = (1...9).map { Self.policy.ceiling(afterFailures: $0) }
        #expect(ceilings == [1, 2, 4, 8, 16, 32, 60, 60, 60].map { Duration.seconds($0) })
        #expect(Self.policy.ceiling(afterFailures: 0) == .seconds(1))
        #expect(Self.policy.ceiling(afterFailures: 10_000) == .seconds(60), "no overflow far out")
    }

    @Test func theDefaultScheduleOfNotifications() {
        let policy = RetryPolicy.notifications
        #expect(policy.maxAttempts == 10)
        let ceilings = (1..<policy.maxAttempts).map { policy.ceiling(afterFailures: $0) }
        #expect(ceilings == [5, 10, 20, 40, 80, 160, 320, 600, 600].map { Duration.seconds($0) })
        let total = ceilings.reduce(Duration.zero, +)
        #expect(total == .seconds(1835), "about 31 minutes from the first attempt to the last, at most")
    }

    @Test(arguments: [(0.0, 0.0), (0.5, 4.0), (0.25, 2.0), (0.999_999, 7.999_992), (-1.0, 0.0), (7.0, 8.0), (Double.nan, 0.0)])
    func fullJitterDrawsBetweenZeroAndTheCeiling(unit: Double, seconds: Double) {
        let delay = Self.policy.delay(afterFailures: 4, unit: unit)
        #expect(abs(Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18 - seconds) < 1e-6)
    }

    @Test func anAcceptedAttemptDelivers() {
        let delivery = NotificationDelivery(notification: "ops", sequence: 3, kind: .deploymentCreated, body: Data("{}".utf8),
                                            nextAttemptAt: Self.t0, createdAt: Self.t0)
        #expect(delivery.id == "ops-3")
        let done = delivery.after(.accepted, at: Self.t0.addingTimeInterval(1), policy: Self.policy, unit: 0.5)
        #expect(done.state == .delivered && done.attempts == 1 && done.lastError == nil)
        #expect(done.updatedAt == Self.t0.addingTimeInterval(1))
    }

    @Test func failuresBackOffThenTheDeliveryIsDead() {
        var delivery = NotificationDelivery(notification: "ops", sequence: 3, kind: .deploymentCreated,
                                            body: Data("{}".utf8), nextAttemptAt: Self.t0, createdAt: Self.t0)
        var waits: [TimeInterval] = []
        var now = Self.t0
        while delivery.state == .pending {
            delivery = delivery.after(.failed("HTTP 500 from http://r"), at: now, policy: Self.policy, unit: 0.5)
            if delivery.state == .pending { waits.append(delivery.nextAttemptAt.timeIntervalSince(now)) }
            now = delivery.nextAttemptAt
        }
        #expect(delivery.state == .dead && delivery.attempts == 10)
        #expect(delivery.lastError == "HTTP 500 from http://r")
        #expect(waits == [0.5, 1, 2, 4, 8, 16, 30, 30, 30], "half of each ceiling with unit 0.5")
    }

    @Test func aPolicyAllowsAtLeastOneAttempt() {
        let once = RetryPolicy(base: .seconds(1), maxBackoff: .seconds(1), maxAttempts: 0)
        #expect(once.maxAttempts == 1)
        let delivery = NotificationDelivery(notification: "ops", sequence: 1, kind: .deploymentCreated, body: Data(),
                                            nextAttemptAt: Self.t0, createdAt: Self.t0)
        #expect(delivery.after(.failed("x"), at: Self.t0, policy: once, unit: 0).state == .dead)
    }
}
