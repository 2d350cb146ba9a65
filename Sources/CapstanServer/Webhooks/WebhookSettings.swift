public import CapstanCore

/// The webhook settings of a running server: each provider's secret and each repository's own, read once at
/// start-up, and the repositories a delivery may name.
public struct WebhookSettings: Sendable {
    /// How one provider's deliveries are checked.
    enum Access: Sendable {
        /// Signed with (or, for GitLab's token, carrying) this key.
        case key(WebhookKey)
        /// Unsigned deliveries are accepted (`insecure: true`).
        case insecure
    }

    /// A configured repository as deliveries are matched against it.
    struct Repository: Sendable {
        let name: String
        let branch: String
        /// Nil when the configured URL names no repository Capstan could match (it then matches by name only).
        let location: RepositoryLocation?
        /// Its own secret, which deliveries about it must carry instead of their provider's.
        let key: WebhookKey?
    }

    /// Why the settings could not be made: a secret that cannot be read. Names the source, never a secret.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    let providers: [WebhookProvider: Access]
    let repositories: [Repository]
    /// Larger bodies are answered 413.
    public let maxBodyBytes: Int

    /// Reads every secret `config` names with `read` (`SecretReader.read` in `capstan serve`); throws
    /// ``Failure`` naming the first that cannot be read or is empty.
    public init(_ config: ServerConfig, secret read: (SecretSource) throws -> String) throws {
        func key(_ secret: WebhookSecret, for field: String) throws -> WebhookKey {
            let value: String
            switch secret {
            case .inline(let text): value = text
            case .source(let source):
                do {
                    value = try read(source)
                } catch {
                    throw Failure(description: "\(field): cannot read the webhook secret: \(error)")
                }
            }
            guard !value.isEmpty else { throw Failure(description: "\(field): the webhook secret in \(secret) is empty") }
            return WebhookKey(bytes: Array(value.utf8))
        }
        var providers: [WebhookProvider: Access] = [:]
        for (provider, access) in config.webhooks.providers {
            switch access {
            case .insecure: providers[provider] = .insecure
            case .secret(let secret): providers[provider] = .key(try key(secret, for: "webhooks.\(provider.rawValue)"))
            }
        }
        self.providers = providers
        repositories = try config.repositories.map { repository in
            Repository(name: repository.name, branch: repository.branch, location: RepositoryLocation(repository.url),
                       key: try repository.webhookSecret.map { try key($0, for: "repositories[\(repository.name)].webhookSecret") })
        }
        maxBodyBytes = config.webhooks.maxBodyBytes
    }

    init(providers: [WebhookProvider: Access], repositories: [Repository], maxBodyBytes: Int) {
        self.providers = providers
        self.repositories = repositories
        self.maxBodyBytes = maxBodyBytes
    }

    /// No provider set up: every delivery is a 401.
    public static let disabled = WebhookSettings(providers: [:], repositories: [],
                                                 maxBodyBytes: WebhookConfig.defaultMaxBodyBytes)

    /// Every key a delivery to `provider` may be signed with: the provider's, then the repositories' own.
    func keys(for provider: WebhookProvider) -> [WebhookKey] {
        var keys: [WebhookKey] = []
        if case .key(let key)? = providers[provider] { keys.append(key) }
        for key in repositories.compactMap(\.key) where !keys.contains(key) { keys.append(key) }
        return keys
    }

    /// Whether `provider` takes unsigned deliveries.
    func isInsecure(_ provider: WebhookProvider) -> Bool {
        if case .insecure? = providers[provider] { return true }
        return false
    }
}

/// A webhook secret, read. It shows as `<secret>` wherever it is printed, logged or dumped.
struct WebhookKey: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let bytes: [UInt8]

    var description: String { "<secret>" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: []) }
}
