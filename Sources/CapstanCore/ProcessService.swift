/// The process platform's manifest: `replicas` instances of `command` behind one HAProxy frontend port.
public struct ProcessService: Sendable, Hashable {
    public var name: String
    /// The argv; `${PORT}` is replaced by each instance's own free port.
    public var command: [String]
    public var env: [String: String]
    public var replicas: Int
    /// The port users hit: the HAProxy frontend.
    public var port: Int
    public var health: HealthCheck

    public init(name: String, command: [String], env: [String: String] = [:], replicas: Int = 1, port: Int,
                health: HealthCheck = .init()) {
        self.name = name
        self.command = command
        self.env = env
        self.replicas = replicas
        self.port = port
        self.health = health
    }
}

/// How an instance is judged ready.
public struct HealthCheck: Sendable, Hashable {
    /// An HTTP path that must answer 2xx; nil means the port accepting connections is enough.
    public var http: String?
    /// How long an instance has to become ready.
    public var timeout: Duration

    public init(http: String? = nil, timeout: Duration = .seconds(10)) {
        self.http = http
        self.timeout = timeout
    }
}

/// A decoded desired-state file.
public enum Manifest: Sendable, Hashable {
    case processService(ProcessService)

    /// The manifest's `kind:`.
    public var kind: String {
        switch self {
        case .processService: "ProcessService"
        }
    }
}
