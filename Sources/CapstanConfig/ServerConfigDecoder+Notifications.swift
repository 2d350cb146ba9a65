import CapstanCore
import Foundation
import Yams

extension ServerConfigDecoder {
    /// The fields of a `notifications:` entry.
    static let notificationObjects: [String: [String]] = [
        "Notification": ["name", "url", "events", "apps", "labels", "secret", "secretEnv", "secretFile", "format", "link"],
    ]

    /// One receiver: `{name, url, events, apps, labels, secret | secretEnv | secretFile, format, link}`.
    static func notification(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> NotificationConfig? {
        guard let f = r.mapping(node, path, known: notificationObjects["Notification"]!) else { return nil }
        let name = f.required("name", r.name)
        let url = f.required("url") { receiverURL($0, $1, r, base: false) }
        let events = f.optional("events") { node, path in r.list(node, path) { eventPattern($0, $1, r) } } ?? []
        let apps = f.optional("apps") { node, path in r.list(node, path) { r.name($0, $1) } } ?? []
        let labels = f.optional("labels", r.stringMap) ?? [:]
        let format = f.optional("format") { r.choice($0, $1, NotificationConfig.Format.self) } ?? .json
        let link = f.optional("link") { receiverURL($0, $1, r, base: true) }
        let given = ["secret", "secretEnv", "secretFile"].filter { f.has($0) }
        // No secret is allowed (the receiver gets unsigned deliveries), unlike an inbound webhook, where it
        // would let anyone trigger fetches: here nothing is accepted from anyone.
        let secret = given.isEmpty ? nil : Self.secret(f, given: given, node, path, r)
        guard let name, let url, given.isEmpty || secret != nil else { return nil }
        return NotificationConfig(name: name, url: url, events: events, apps: apps, labels: labels, secret: secret,
                                  format: format, link: link)
    }

    /// An event kind (`deployment.state_changed`), a family (`deployment.*`) or `*`.
    private static func eventPattern(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> EventPattern? {
        guard let text = r.nonEmptyString(node, path) else { return nil }
        if let pattern = EventPattern(text) { return pattern }
        let hint = Suggestion.closest(to: text, in: EventPattern.known).map { "; did you mean \"\($0)\"?" }
            ?? "; known: \(EventPattern.known.joined(separator: ", "))"
        r.error("unknown event kind \"\(text)\"\(hint)", at: node, path)
        return nil
    }

    /// An absolute http(s) URL with a host and no user or password in it; a `base` (for links) also has no
    /// query or fragment, and loses a trailing `/` so that paths can be appended.
    private static func receiverURL(_ node: Node, _ path: FieldPath, _ r: YAMLReader, base: Bool) -> String? {
        guard let text = r.nonEmptyString(node, path) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty
        else {
            let example = base ? "https://capstan.example.com" : "https://hooks.example.com/capstan"
            r.error("expected an http:// or https:// URL like \(example), got \"\(text)\"", at: node, path)
            return nil
        }
        if url.user != nil || url.password != nil {
            r.error("the URL holds a user or password; receivers authenticate deliveries by their signature "
                    + "(secret, secretEnv or secretFile)", at: node, path)
            return nil
        }
        guard base else { return text }
        if url.query != nil || url.fragment != nil {
            r.error("expected a base URL without ?query or #fragment, got \"\(text)\"", at: node, path)
            return nil
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }
}
