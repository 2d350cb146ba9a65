/// A Git host or CI system that may tell Capstan about pushes: `POST /webhooks/<provider>`.
public enum WebhookProvider: String, Sendable, Hashable, CaseIterable, Comparable {
    case github, gitlab, gitea, bitbucket, generic

    /// How people name it in messages.
    public var displayName: String {
        switch self {
        case .github: "GitHub"
        case .gitlab: "GitLab"
        case .gitea: "Gitea"
        case .bitbucket: "Bitbucket"
        case .generic: "generic"
        }
    }

    public static func < (lhs: WebhookProvider, rhs: WebhookProvider) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// The server config's `webhooks:` block: who may trigger an early fetch, and how large a delivery may be.
public struct WebhookConfig: Sendable, Hashable {
    /// GitHub's own limit on a delivery; larger ones it does not send.
    public static let defaultMaxBodyBytes = 25 * 1024 * 1024

    /// The providers that are set up; a provider left out answers 401.
    public var providers: [WebhookProvider: WebhookProviderConfig]
    /// Larger bodies are refused with 413 before they are read to the end.
    public var maxBodyBytes: Int

    public init(providers: [WebhookProvider: WebhookProviderConfig] = [:], maxBodyBytes: Int = defaultMaxBodyBytes) {
        self.providers = providers
        self.maxBodyBytes = maxBodyBytes
    }
}

/// How deliveries of one provider are checked: with a shared secret, or (only when asked for) not at all.
public enum WebhookProviderConfig: Sendable, Hashable {
    /// Deliveries must be signed with (or, for GitLab's token, carry) this secret.
    case secret(WebhookSecret)
    /// `insecure: true`: unsigned deliveries are accepted. Anyone who can reach the server can then make it fetch.
    case insecure
}

/// Where a webhook secret comes from. Unlike Git credentials it may be written inline (`secret:`): it only
/// authenticates requests to fetch early, which is what the poll does anyway.
public enum WebhookSecret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Written in the config file (`secret:`).
    case inline(String)
    /// Read from an environment variable or a file when the server starts (`secretEnv:`, `secretFile:`).
    case source(SecretSource)

    /// Names where the secret is, never the secret.
    public var description: String {
        switch self {
        case .inline: "the secret written in the config"
        case .source(let source): source.description
        }
    }

    /// The same as ``description``, so that `String(reflecting:)` and a config printed whole show no secret.
    public var debugDescription: String { description }

    /// No children, so that `dump` shows no secret either.
    public var customMirror: Mirror { Mirror(self, children: []) }
}
