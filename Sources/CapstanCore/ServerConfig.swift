/// How `capstan serve` runs: where it keeps data, where it listens, what it watches and where it deploys.
public struct ServerConfig: Sendable, Hashable {
    /// The SQLite store, Git mirrors and plugin state live here (created 0700).
    public var dataDir: String
    /// `host:port` of the HTTP API.
    public var listen: String
    public var repositories: [RepositoryConfig]
    public var targets: [TargetConfig]
    /// How often every deployed application is compared with what runs.
    public var driftInterval: Duration
    /// A self-healing application is re-synced at most once per this window.
    public var selfHealWindow: Duration
    /// Where ANALYSIS stages get metric values; a metric names one by `provider`.
    public var analysisProviders: [AnalysisProviderConfig]
    /// Bearer tokens and roles for the API; nil: reads open, commands from this machine only.
    public var auth: AuthConfig?
    /// Who may tell Capstan about pushes (`POST /webhooks/<provider>`), so that it fetches before the next poll.
    public var webhooks: WebhookConfig
    /// Where events are POSTed as they happen (docs/notifications.md); names are unique.
    public var notifications: [NotificationConfig]

    public init(dataDir: String = "./.capstan", listen: String = "127.0.0.1:8080",
                repositories: [RepositoryConfig] = [], targets: [TargetConfig] = [TargetConfig.local],
                driftInterval: Duration = .seconds(30), selfHealWindow: Duration = .seconds(60),
                analysisProviders: [AnalysisProviderConfig] = [], auth: AuthConfig? = nil,
                webhooks: WebhookConfig = WebhookConfig(), notifications: [NotificationConfig] = []) {
        self.dataDir = dataDir
        self.listen = listen
        self.repositories = repositories
        self.targets = targets
        self.driftInterval = driftInterval
        self.selfHealWindow = selfHealWindow
        self.analysisProviders = analysisProviders
        self.auth = auth
        self.webhooks = webhooks
        self.notifications = notifications
    }
}

/// A Git repository Capstan watches.
public struct RepositoryConfig: Sendable, Hashable {
    /// How events and API paths name it.
    public var name: String
    /// file://, a local path, git://, https:// or ssh:// (or scp-like `git@host:org/repo`).
    public var url: String
    public var branch: String
    public var pollInterval: Duration
    public var credentials: RepositoryCredentials
    /// This repository's own webhook secret: deliveries about it must carry this one instead of their
    /// provider's. Nil: the provider's secret.
    public var webhookSecret: WebhookSecret?

    public init(name: String, url: String, branch: String = "main", pollInterval: Duration = .seconds(30),
                credentials: RepositoryCredentials = .none, webhookSecret: WebhookSecret? = nil) {
        self.name = name
        self.url = url
        self.branch = branch
        self.pollInterval = pollInterval
        self.credentials = credentials
        self.webhookSecret = webhookSecret
    }
}

/// Where a repository's credentials come from. Secrets are never written inline in the config.
public enum RepositoryCredentials: Sendable, Hashable {
    case none
    /// An HTTPS token read from an environment variable or a file when the server starts.
    case token(source: SecretSource, username: String?)
    /// An SSH private key file (and optionally its passphrase).
    case sshKey(path: String, passphrase: SecretSource?, username: String?)
}

/// Where a secret is read from.
public enum SecretSource: Sendable, Hashable, CustomStringConvertible {
    case environment(String)
    case file(String)

    /// Names the source, never the secret.
    public var description: String {
        switch self {
        case .environment(let name): "environment variable \(name)"
        case .file(let path): "file \(path)"
        }
    }
}

/// A deploy target: which plugin deploys there and the plugin's own settings.
public struct TargetConfig: Sendable, Hashable {
    public var name: String
    /// The plugin executable's short name: `process` runs `capstan-plugin-process`.
    public var plugin: String
    /// Free-form settings handed to the plugin's `initialize`.
    public var config: [String: JSONValue]

    public init(name: String, plugin: String, config: [String: JSONValue] = [:]) {
        self.name = name
        self.plugin = plugin
        self.config = config
    }

    /// The embedded default: the process platform on this machine.
    public static let local = TargetConfig(name: "local", plugin: "process")
}

/// A source of metric values for ANALYSIS stages, named in the server config.
public struct AnalysisProviderConfig: Sendable, Hashable {
    /// What kind of source it is.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A Prometheus server's HTTP API; a metric's `query` is PromQL.
        case prometheus
        /// Any HTTP endpoint; a metric's `query` is the URL and `jsonPath` picks the value.
        case http
    }

    /// How metrics name it (`provider:`).
    public var name: String
    public var kind: Kind
    /// The Prometheus server's base URL (`http://127.0.0.1:9090`, may end in a path prefix); nil for `http`,
    /// whose URLs come from the metrics.
    public var url: String?
    /// The longest one query may take, connecting included.
    public var timeout: Duration
    public var credentials: ProviderCredentials

    public init(name: String, kind: Kind, url: String? = nil, timeout: Duration = .seconds(10),
                credentials: ProviderCredentials = .none) {
        self.name = name
        self.kind = kind
        self.url = url
        self.timeout = timeout
        self.credentials = credentials
    }
}

/// How a provider authenticates. Secrets are named (environment variable or file), never written inline.
public enum ProviderCredentials: Sendable, Hashable {
    case none
    /// `Authorization: Bearer <token>`.
    case bearer(token: SecretSource)
    /// `Authorization: Basic <username:password>`.
    case basic(username: String, password: SecretSource)
}
