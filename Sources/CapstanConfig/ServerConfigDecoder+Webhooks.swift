import CapstanCore
import Foundation
import Yams

extension ServerConfigDecoder {
    /// The fields of the `webhooks:` block and of the objects in it.
    static let webhookObjects: [String: [String]] = [
        "Webhooks": WebhookProvider.allCases.map(\.rawValue) + ["maxBodyBytes"],
        "WebhookProvider": secretFields + ["insecure"],
        "WebhookSecret": secretFields,
    ]

    private static let secretFields = ["secret", "secretEnv", "secretFile"]
    /// The largest `maxBodyBytes` taken: 1 GiB, far above any Git host's own limit.
    static let maxWebhookBody = 1 << 30

    /// `webhooks: {github: {...}, gitlab: {...}, ..., maxBodyBytes: N}`.
    static func webhooks(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> WebhookConfig? {
        guard let f = r.mapping(node, path, known: webhookObjects["Webhooks"]!) else { return nil }
        var config = WebhookConfig()
        config.maxBodyBytes = f.optional("maxBodyBytes") { r.int($0, $1, in: 1...maxWebhookBody) }
            ?? WebhookConfig.defaultMaxBodyBytes
        for provider in WebhookProvider.allCases {
            config.providers[provider] = f.optional(provider.rawValue) { webhookProvider($0, $1, r) }
        }
        return config
    }

    /// One provider: exactly one of `secret`, `secretEnv`, `secretFile`, or `insecure: true`.
    private static func webhookProvider(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> WebhookProviderConfig? {
        guard let f = r.mapping(node, path, known: webhookObjects["WebhookProvider"]!) else { return nil }
        let insecure = f.optional("insecure", r.bool)
        let given = secretFields.filter { f.has($0) }
        if insecure == true {
            guard given.isEmpty else {
                r.error("insecure: true accepts unsigned deliveries, so it takes no secret (got \(given.joined(separator: ", ")))",
                        at: f.node("insecure"), path.key("insecure"))
                return nil
            }
            return .insecure
        }
        guard !given.isEmpty else {
            r.error("give exactly one of secret, secretEnv or secretFile (or insecure: true to accept unsigned deliveries)",
                    at: node, path)
            return nil
        }
        return secret(f, given: given, node, path, r).map(WebhookProviderConfig.secret)
    }

    /// A repository's `webhookSecret: {secret | secretEnv | secretFile}`.
    static func webhookSecret(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> WebhookSecret? {
        guard let f = r.mapping(node, path, known: webhookObjects["WebhookSecret"]!) else { return nil }
        let given = secretFields.filter { f.has($0) }
        guard !given.isEmpty else {
            r.error("give exactly one of secret, secretEnv or secretFile", at: node, path)
            return nil
        }
        return secret(f, given: given, node, path, r)
    }

    /// Exactly one of `secret`, `secretEnv`, `secretFile` (`given`: those present); notifications sign with one too.
    static func secret(_ f: Fields, given: [String], _ node: Node, _ path: FieldPath, _ r: YAMLReader)
        -> WebhookSecret? {
        guard given.count == 1 else {
            r.error("give exactly one of secret, secretEnv or secretFile (got \(given.joined(separator: ", ")))",
                    at: node, path)
            return nil
        }
        switch given[0] {
        case "secret": return f.optional("secret", r.nonEmptyString).map(WebhookSecret.inline)
        case "secretEnv": return f.optional("secretEnv", r.nonEmptyString).map { .source(.environment($0)) }
        default: return f.optional("secretFile", r.nonEmptyString).map { .source(.file($0)) }
        }
    }
}
