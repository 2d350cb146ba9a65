import CapstanCore
import Foundation
import Logging

extension Notifier {
    /// Reads new events every poll interval (at once again after a full batch) and queues them.
    func follow() async {
        var reported: String?
        while !isStopping {
            var more = false
            do {
                more = try await enqueueNext()
                reported = nil
            } catch {
                // Once per distinct problem, not once per poll.
                let text = "\(error)"
                if text != reported { logger.warning("notifier: cannot queue events, trying again: \(text)") }
                reported = text
            }
            if more { continue }
            try? await followWake.wait(settings.pollInterval, on: clock)
        }
    }

    /// Queues the deliveries of the next batch of events for every receiver and moves every cursor past the
    /// batch, in one transaction; returns true when the batch was full (more may be waiting).
    ///
    /// Cursors are read first and the write expects them unchanged, so a pass that raced another, or died
    /// before its write, queues nothing twice: the next pass starts again from the cursors.
    func enqueueNext() async throws -> Bool {
        var cursors: [String: Int64] = [:]
        for target in targets {
            guard let cursor = try await outbox.cursor(of: target.config.name) else {
                try await prepare()
                return true
            }
            cursors[target.config.name] = cursor
        }
        guard let low = cursors.values.min() else { return false }
        let events = try await store.events(after: low, limit: settings.batchSize)
        guard let last = events.last?.sequence else { return false }

        var reader = SubjectReader(store: store)
        let needsLabels = targets.contains { !$0.config.labels.isEmpty }
        let at = now()
        var deliveries: [NotificationDelivery] = []
        for event in events {
            let labels = needsLabels ? try await reader.labels(of: event.app) : nil
            for target in targets {
                let name = target.config.name
                guard event.sequence > cursors[name]!, target.config.matches(event, labels: labels) else { continue }
                let subject = try await reader.subject(of: event)
                let id = NotificationDelivery.id(notification: name, sequence: event.sequence)
                let body = NotificationPayload.body(subject, format: target.config.format, notification: name,
                                                    deliveryId: id, linkBase: target.linkBase)
                deliveries.append(NotificationDelivery(notification: name, sequence: event.sequence, kind: event.kind,
                                                       body: body, nextAttemptAt: at, createdAt: at))
            }
        }
        let moves = targets.map { target in
            let cursor = cursors[target.config.name]!
            return OutboxCursorMove(notification: target.config.name, from: cursor, to: max(cursor, last))
        }
        try await outbox.enqueue(deliveries, moving: moves)
        for name in Set(deliveries.map(\.notification)) { wakes[name]?.fire() }
        return events.count == settings.batchSize
    }
}

/// Reads what a batch of events refers to, each record once per batch.
private struct SubjectReader {
    let store: any DeploymentStore
    private var labels: [String: [String: String]?] = [:]
    private var deployments: [DeploymentID: Deployment?] = [:]
    private var stages: [DeploymentID: [StageRecord]] = [:]

    init(store: any DeploymentStore) { self.store = store }

    /// The application's labels as the store last recorded them; nil for no application or an unknown one.
    mutating func labels(of app: String?) async throws -> [String: String]? {
        guard let app else { return nil }
        if let known = labels[app] { return known }
        let found = try await store.app(app)?.labels
        labels[app] = .some(found)
        return found
    }

    mutating func subject(of event: Event) async throws -> NotificationSubject {
        guard let id = event.deployment else { return NotificationSubject(event: event) }
        if deployments[id] == nil { deployments[id] = .some(try await store.deployment(id)) }
        var stage: StageRecord?
        if let index = event.stageIndex {
            if stages[id] == nil { stages[id] = try await store.stages(of: id) }
            stage = stages[id]?.first { $0.index == index }
        }
        return NotificationSubject(event: event, deployment: deployments[id] ?? nil, stage: stage)
    }
}
