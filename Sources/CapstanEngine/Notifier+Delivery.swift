import CapstanCore
import Foundation
import Logging
import Metrics

extension Notifier {
    /// How long a receiver with nothing queued waits before looking again without being woken: a safety net,
    /// the follower wakes it as soon as it queues something.
    static let idleRecheck: Duration = .seconds(60)

    /// One receiver's loop: its oldest pending delivery, when due, until it is delivered or dead, then the next.
    ///
    /// In event order, so a receiver sees a deployment's events in the order they happened; the price is that
    /// a delivery in backoff holds back that receiver's later ones — and only that receiver's.
    func deliver(to target: NotificationTarget) async {
        let name = target.config.name
        let wake = wakes[name]!
        var reported: String?
        while !isStopping {
            let head: NotificationDelivery?
            do {
                head = try await outbox.pending(of: name, limit: 1).first
                reported = nil
            } catch {
                let text = "\(error)"
                if text != reported { logger.warning("notifier: cannot read the outbox of \(name): \(text)") }
                reported = text
                try? await wake.wait(settings.pollInterval, on: clock)
                continue
            }
            guard let head else {
                try? await wake.wait(Self.idleRecheck, on: clock)
                continue
            }
            let due = head.nextAttemptAt.timeIntervalSince(now())
            // Never further out than a backoff can be: a later time means the wall clock went back since it
            // was stored, and waiting for it to catch up would stall the receiver.
            if due > 0 && due <= Self.seconds(settings.retry.maxBackoff) {
                // A wake-up (something new queued, or stop) only makes the loop look again.
                try? await wake.wait(.seconds(due), on: clock)
                continue
            }
            if await !attempt(head, to: target) {
                try? await wake.wait(settings.pollInterval, on: clock)
            }
        }
    }

    /// Sends `delivery` once and records how it went; false when the outcome could not be recorded (the
    /// delivery stays pending and goes again: at least once).
    private func attempt(_ delivery: NotificationDelivery, to target: NotificationTarget) async -> Bool {
        let response = await transport.send(target.request(for: delivery))
        let outcome: DeliveryAttempt
        switch response {
        case .cancelled:
            // Stopping hard: no attempt is recorded, the next start sends it again with the same id.
            return true
        case .status(let status) where (200..<300).contains(status):
            outcome = .accepted
        case .status(let status):
            outcome = .failed("HTTP \(status) from \(target.url.redactedForNotifications)")
        case .unreachable(let reason):
            outcome = .failed(reason)
        }
        let next = delivery.after(outcome, at: now(), policy: settings.retry, unit: random())
        do {
            try await outbox.record(next)
        } catch {
            logger.error("notifier: cannot record delivery \(delivery.id): \(error)", metadata: metadata(next))
            return false
        }
        report(next)
        return true
    }

    private func report(_ delivery: NotificationDelivery) {
        let outcome: String
        switch delivery.state {
        case .delivered:
            outcome = "delivered"
            logger.debug("notifier: \(delivery.id) delivered", metadata: metadata(delivery))
        case .pending:
            outcome = "retried"
            let wait = max(0, delivery.nextAttemptAt.timeIntervalSince(delivery.updatedAt))
            let next = String(format: "%.1f", wait)
            logger.info("notifier: \(delivery.id) attempt \(delivery.attempts) failed (\(delivery.lastError ?? "")); next in \(next) s",
                        metadata: metadata(delivery))
        case .dead:
            outcome = "dead"
            logger.error("notifier: \(delivery.id) given up after \(delivery.attempts) attempts: \(delivery.lastError ?? "")",
                         metadata: metadata(delivery))
        }
        Counter(label: "capstan_notifications_total",
                dimensions: [("notification", delivery.notification), ("outcome", outcome)]).increment()
    }

    private func metadata(_ delivery: NotificationDelivery) -> Logger.Metadata {
        ["capstan.notification": "\(delivery.notification)", "capstan.delivery": "\(delivery.id)",
         "capstan.event": "\(delivery.kind.rawValue)"]
    }
}
