import CapstanCore
import Foundation
import HTTPTypes
import Hummingbird

/// Checks a delivery's signature (or GitLab's token) against every key that may apply, before its body is read.
enum WebhookAuthenticator {
    /// How far a Standard Webhooks timestamp may be from this server's clock: the spec's 5 minutes.
    static let tolerance: TimeInterval = 5 * 60

    /// What can be refused before the body is read — no key set up, or no signature header — so that nobody
    /// without a secret makes the server buffer a body of up to `maxBodyBytes`. A 401, as ``verify`` would.
    static func precheck(_ provider: WebhookProvider, headers: HTTPFields, keys: [WebhookKey], insecure: Bool) throws {
        guard !insecure else { return }
        guard !keys.isEmpty else { throw noSecret(provider) }
        let header: String? = switch provider {
        case .github: headers[.hubSignature256] == nil ? "X-Hub-Signature-256" : nil
        case .gitea: headers[.giteaSignature] ?? headers[.forgejoSignature] ?? headers[.hubSignature256] == nil
            ? "X-Gitea-Signature" : nil
        case .bitbucket: headers[.hubSignature] == nil ? "X-Hub-Signature" : nil
        case .generic: headers[.capstanSignature] == nil ? "X-Capstan-Signature" : nil
        case .gitlab: headers[.webhookSignature] == nil && headers[.gitlabToken] == nil ? "X-Gitlab-Token" : nil
        }
        if let header { _ = try missing(header, provider, false) }
    }

    /// The keys the delivery is signed with; empty when the provider is insecure and it is signed with none.
    /// A 401 when the provider has no key and is not insecure, or no key matches.
    static func verify(_ provider: WebhookProvider, headers: HTTPFields, body: Data, keys: [WebhookKey],
                       insecure: Bool, now: Date) throws -> Set<WebhookKey> {
        guard !keys.isEmpty || insecure else { throw noSecret(provider) }
        let check: (WebhookKey) -> Bool
        switch provider {
        case .github:
            guard let signature = headers[.hubSignature256] else { return try missing("X-Hub-Signature-256", provider, insecure) }
            check = { WebhookSignature.matchesHex(signature, prefix: "sha256=", body: body, key: $0.bytes) }
        case .gitea:
            if let signature = headers[.giteaSignature] ?? headers[.forgejoSignature] {
                check = { WebhookSignature.matchesHex(signature, prefix: "", body: body, key: $0.bytes) }
            } else if let signature = headers[.hubSignature256] {
                check = { WebhookSignature.matchesHex(signature, prefix: "sha256=", body: body, key: $0.bytes) }
            } else {
                return try missing("X-Gitea-Signature", provider, insecure)
            }
        case .bitbucket:
            guard let signature = headers[.hubSignature] else { return try missing("X-Hub-Signature", provider, insecure) }
            check = { WebhookSignature.matchesHex(signature, prefix: "sha256=", body: body, key: $0.bytes) }
        case .generic:
            guard let signature = headers[.capstanSignature] else { return try missing("X-Capstan-Signature", provider, insecure) }
            check = { WebhookSignature.matchesHex(signature, prefix: "sha256=", body: body, key: $0.bytes) }
        case .gitlab:
            guard headers[.webhookSignature] != nil || headers[.gitlabToken] != nil else {
                return try missing("X-Gitlab-Token", provider, insecure)
            }
            check = try gitlab(headers, body: body, insecure: insecure, now: now) ?? { _ in false }
        }
        let verified = Set(keys.filter(check))
        guard !verified.isEmpty || insecure else {
            throw unauthorized("the \(provider.displayName) webhook signature does not match: the secret set for the webhook "
                + "differs from the one in Capstan's server config")
        }
        return verified
    }

    /// GitLab: the newer signing token (Standard Webhooks `webhook-signature`), else the secret token sent as it is.
    private static func gitlab(_ headers: HTTPFields, body: Data, insecure: Bool, now: Date) throws -> ((WebhookKey) -> Bool)? {
        if let signatures = headers[.webhookSignature] {
            guard let id = headers[.webhookID], let timestamp = headers[.webhookTimestamp] else {
                throw unauthorized("webhook-signature needs the webhook-id and webhook-timestamp headers")
            }
            guard let seconds = TimeInterval(timestamp), abs(now.timeIntervalSince1970 - seconds) <= tolerance else {
                if insecure { return nil }
                throw unauthorized("webhook-timestamp \(timestamp) is more than 5 minutes from this server's clock: "
                    + "a replayed delivery, or a clock that is wrong")
            }
            return { WebhookSignature.matchesStandard(signatures, id: id, timestamp: timestamp, body: body, key: $0.bytes) }
        }
        if let token = headers[.gitlabToken] {
            // Digests of equal length: comparing the token itself would time the secret's length.
            let given = WebhookSignature.digest(Array(token.utf8))
            return { ConstantTime.equal(given, WebhookSignature.digest($0.bytes)) }
        }
        return nil
    }

    /// No signature header: fine for an insecure provider (signed with no key), a 401 otherwise.
    private static func missing(_ header: String, _ provider: WebhookProvider, _ insecure: Bool) throws -> Set<WebhookKey> {
        guard insecure else {
            throw unauthorized("the \(header) header is missing: set the webhook's secret in \(provider.displayName) "
                + "to the one in Capstan's server config")
        }
        return []
    }

    private static func noSecret(_ provider: WebhookProvider) -> APIError {
        unauthorized("no secret configured for \(provider.rawValue) webhooks; set webhooks.\(provider.rawValue).secretEnv, "
            + "secretFile or secret in the server config (or insecure: true to accept unsigned deliveries)")
    }

    static func unauthorized(_ message: String) -> APIError {
        APIError(status: .unauthorized, code: "unauthorized", message: message)
    }
}
