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

    public init(dataDir: String = "./.capstan", listen: String = "127.0.0.1:8080",
                repositories: [RepositoryConfig] = [], targets: [TargetConfig] = [TargetConfig.local],
                driftInterval: Duration = .seconds(30), selfHealWindow: Duration = .seconds(60)) {
        self.dataDir = dataDir
        self.listen = listen
        self.repositories = repositories
        self.targets = targets
        self.driftInterval = driftInterval
        self.selfHealWindow = selfHealWindow
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

    public init(name: String, url: String, branch: String = "main", pollInterval: Duration = .seconds(30),
                credentials: RepositoryCredentials = .none) {
        self.name = name
        self.url = url
        self.branch = branch
        self.pollInterval = pollInterval
        self.credentials = credentials
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
