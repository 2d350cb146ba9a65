import CapstanCore
import Foundation

extension NotificationPayload {
    /// A Slack incoming-webhook message: `text` (the notification's fallback and what screen readers say) and
    /// two blocks — a section with the application, deployment, commit, stage and result, and a context line
    /// with the link, the event kind and its sequence.
    static func slack(_ subject: NotificationSubject, linkBase: String) -> JSONValue {
        let event = subject.event
        let app = event.app ?? subject.deployment?.app
        var lines: [String] = []
        if let app { lines.append("*App:* \(escape(app))") }
        if let deployment = subject.deployment {
            lines.append("*Deployment:* `\(escape(deployment.id.rawValue))` at `\(deployment.commit.short)`")
        } else if let id = event.deployment {
            lines.append("*Deployment:* `\(escape(id.rawValue))`")
        }
        if let stage = stageText(subject) { lines.append("*Stage:* \(escape(stage))") }
        lines.append("*Result:* \(escape(result(event)))")
        lines.append(escape(event.message))

        var context = ["\(escape(event.kind.rawValue)) · #\(event.sequence)"]
        if let link = subject.link(base: linkBase) {
            context.insert("<\(link)|Open in Capstan>", at: 0)
        }
        let text = (app.map { "[\($0)] " } ?? "") + event.message
        return .object([
            "text": .string(text),
            "blocks": .array([
                .object([
                    "type": .string("section"),
                    "text": .object(["type": .string("mrkdwn"), "text": .string(lines.joined(separator: "\n"))]),
                ]),
                .object([
                    "type": .string("context"),
                    "elements": .array([
                        .object(["type": .string("mrkdwn"), "text": .string(context.joined(separator: " · "))]),
                    ]),
                ]),
            ]),
        ])
    }

    /// `2 ANALYSIS` — the index and the kind, from the stage record or, without one, the event's data.
    private static func stageText(_ subject: NotificationSubject) -> String? {
        guard let index = subject.event.stageIndex else { return nil }
        let kind = subject.stage?.kind.rawValue ?? subject.event.data["stage"]
        return kind.map { "\(index) \($0)" } ?? String(index)
    }

    /// What the event comes to: the state moved to, an analysis result, else the kind of event.
    private static func result(_ event: Event) -> String {
        event.data["to"] ?? event.data["result"] ?? event.kind.rawValue
    }

    /// Slack's mrkdwn treats `&`, `<` and `>` as control characters: escaped, text shows as written and cannot
    /// forge a link or a mention.
    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
