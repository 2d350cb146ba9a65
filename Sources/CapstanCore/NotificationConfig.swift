/// The server config's `notifications:` entries: where Capstan POSTs the events that match, and how.
///
/// Each entry is a receiver of its own: it has its own queue in the outbox, its own cursor in the event
/// log and its own retries, so a receiver that is down holds back nobody else.
public struct NotificationConfig: Sendable, Hashable {
    /// How deliveries are written.
    public enum Format: String, Sendable, Hashable, CaseIterable {
        /// Capstan's own JSON: the event, the deployment it belongs to and a link (docs/notifications.md).
        case json
        /// A Slack incoming-webhook message: a text fallback and blocks for people.
        case slack
    }

    /// Unique among notifications; part of every delivery id (`<name>-<event sequence>`).
    public var name: String
    /// The receiver, `http://` or `https://`.
    public var url: String
    /// Which event kinds are sent; empty: all of them.
    public var events: [EventPattern]
    /// Which applications' events are sent; empty: all, and events that belong to no application too.
    public var apps: [String]
    /// Every one of these must be among the application's labels (from its `capstan.yaml`); empty: any.
    public var labels: [String: String]
    /// The key deliveries are signed with (`X-Capstan-Signature`); nil: deliveries go unsigned.
    public var secret: WebhookSecret?
    public var format: Format
    /// The base URL of Capstan's API as the receiver's people reach it, for links; nil: the server's `listen` address.
    public var link: String?

    public init(name: String, url: String, events: [EventPattern] = [], apps: [String] = [],
                labels: [String: String] = [:], secret: WebhookSecret? = nil, format: Format = .json,
                link: String? = nil) {
        self.name = name
        self.url = url
        self.events = events
        self.apps = apps
        self.labels = labels
        self.secret = secret
        self.format = format
        self.link = link
    }
}

/// An event kind a notification asks for: exactly one kind (`deployment.state_changed`), every kind of a
/// family (`deployment.*`), or every kind (`*`).
public struct EventPattern: Sendable, Hashable, CustomStringConvertible {
    /// As written in the config.
    public let text: String

    /// Nil when `text` names no kind and no family of kinds: a typo must not silently match nothing.
    public init?(_ text: String) {
        if text == "*" || EventKind(rawValue: text) != nil {
            self.text = text
            return
        }
        guard text.hasSuffix(".*"), Self.families.contains(String(text.dropLast(2))) else { return nil }
        self.text = text
    }

    /// Whether an event of `kind` is asked for.
    public func matches(_ kind: EventKind) -> Bool {
        if text == "*" { return true }
        if text.hasSuffix(".*") { return kind.rawValue.hasPrefix(text.dropLast()) }
        return kind.rawValue == text
    }

    public var description: String { text }

    /// The families of event kinds (`deployment`, `stage`, ...): what comes before the dot.
    public static var families: [String] {
        var seen: [String] = []
        for kind in EventKind.allCases {
            let family = String(kind.rawValue.prefix { $0 != "." })
            if !seen.contains(family) { seen.append(family) }
        }
        return seen
    }

    /// Every pattern that is accepted, for messages and the JSON Schema: `*`, the families, then the kinds.
    public static var known: [String] {
        ["*"] + families.map { "\($0).*" } + EventKind.allCases.map(\.rawValue)
    }
}
