public import CapstanCore
public import Foundation

/// What a delivery is about: the event, and the deployment and stage it names as they stood when it was queued.
public struct NotificationSubject: Sendable, Hashable {
    public var event: Event
    public var deployment: Deployment?
    public var stage: StageRecord?

    public init(event: Event, deployment: Deployment? = nil, stage: StageRecord? = nil) {
        self.event = event
        self.deployment = deployment
        self.stage = stage
    }

    /// `<base>/api/v1/deployments/<id>` for an event of a deployment, `<base>/api/v1/apps/<name>` for one of an
    /// application only, nil otherwise.
    func link(base: String) -> String? {
        if let id = event.deployment { return "\(base)/api/v1/deployments/\(id.rawValue)" }
        if let app = event.app { return "\(base)/api/v1/apps/\(app)" }
        return nil
    }
}

/// The bodies of deliveries, built once per delivery when it is queued (every attempt sends the same bytes).
///
/// Keys are sorted and absent values are `null` rather than missing, so that receivers see one shape and
/// the same content is the same bytes.
public enum NotificationPayload {
    /// The body of `deliveryId` in the notification's format.
    public static func body(_ subject: NotificationSubject, format: NotificationConfig.Format, notification: String,
                            deliveryId: String, linkBase: String) -> Data {
        let value: JSONValue = switch format {
        case .json: json(subject, notification: notification, deliveryId: deliveryId, linkBase: linkBase)
        case .slack: slack(subject, linkBase: linkBase)
        }
        return encode(value)
    }

    /// `{"deliveryId", "notification", "event": {...}, "deployment": {...} | null, "stage": {...} | null, "link"}`.
    static func json(_ subject: NotificationSubject, notification: String, deliveryId: String, linkBase: String)
        -> JSONValue {
        let event = subject.event
        return .object([
            "deliveryId": .string(deliveryId),
            "notification": .string(notification),
            "event": .object([
                "sequence": .number(Double(event.sequence)),
                "kind": .string(event.kind.rawValue),
                "at": .string(timestamp(event.at)),
                "app": string(event.app),
                "deployment": string(event.deployment?.rawValue),
                "stage": event.stageIndex.map { .number(Double($0)) } ?? .null,
                "message": .string(event.message),
                "data": .object(event.data.mapValues(JSONValue.string)),
            ]),
            "deployment": subject.deployment.map(deployment) ?? .null,
            "stage": subject.stage.map(stage) ?? .null,
            "link": string(subject.link(base: linkBase)),
        ])
    }

    private static func deployment(_ deployment: Deployment) -> JSONValue {
        .object([
            "id": .string(deployment.id.rawValue),
            "app": .string(deployment.app),
            "commit": .string(deployment.commit.hex),
            "previousCommit": string(deployment.previousCommit?.hex),
            "trigger": .string(deployment.trigger.rawValue),
            "strategy": .string(deployment.strategy.rawValue),
            "state": .string(deployment.state.rawValue),
            "reason": string(deployment.reason),
            "createdAt": .string(timestamp(deployment.createdAt)),
            "updatedAt": .string(timestamp(deployment.updatedAt)),
        ])
    }

    private static func stage(_ stage: StageRecord) -> JSONValue {
        .object([
            "index": .number(Double(stage.index)),
            "kind": .string(stage.kind.rawValue),
            "state": .string(stage.state.rawValue),
            "reason": string(stage.reason),
        ])
    }

    static func string(_ text: String?) -> JSONValue { text.map(JSONValue.string) ?? .null }

    /// JSON with sorted keys and unescaped slashes (links stay readable).
    static func encode(_ value: JSONValue) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A JSONValue built here holds no non-finite number, the only thing that makes encoding fail.
        return (try? encoder.encode(value)) ?? Data("{}".utf8)
    }

    /// The API's wire form of a time: ISO 8601 in UTC with microseconds, `2025-03-01T12:00:00.250000Z`
    /// (as `CapstanServer.Timestamp` writes it, so receivers parse one format).
    static func timestamp(_ date: Date) -> String {
        let micros = (date.timeIntervalSince1970 * 1_000_000).rounded()
        let seconds = (micros / 1_000_000).rounded(.down)
        let fraction = Int(micros - seconds * 1_000_000)
        let base = Date(timeIntervalSince1970: seconds).formatted(Date.ISO8601FormatStyle())
        let digits = String(fraction)
        return base.dropLast() + "." + String(repeating: "0", count: 6 - digits.count) + digits + "Z"
    }
}
