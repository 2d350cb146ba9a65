public import CapstanCore

/// The method names of the protocol, as they appear on the wire.
public enum PluginMethod {
    public static let initialize = "initialize"
    public static let capabilities = "capabilities"
    public static let liveState = "liveState"
    public static let executeStage = "executeStage"
    public static let shutdown = "shutdown"
    /// A deployment ended: release what the plugin kept for it (the previous primary, kept for a quick rollback).
    public static let finishDeployment = "finishDeployment"
    /// A notification from plugin to host: one line of a running stage's log.
    public static let log = "log"
}

/// `initialize` params: the first request a plugin process receives, exactly once.
/// One process serves one deploy target.
public struct InitializeParams: Sendable, Hashable, Codable {
    /// The host's protocol version; a plugin that does not speak its major answers -32002.
    public var protocolVersion: ProtocolVersion
    /// The name the server knows the plugin by (`process`).
    public var plugin: String
    /// The deploy target's name in the server config (`local`, `staging`).
    public var target: String
    /// The target's settings from the server config, passed through untouched: their meaning is the plugin's.
    public var config: [String: JSONValue]
    /// An absolute directory reserved for this plugin and target; it survives restarts.
    public var dataDirectory: String

    public init(protocolVersion: ProtocolVersion = .current, plugin: String, target: String,
                config: [String: JSONValue] = [:], dataDirectory: String) {
        self.protocolVersion = protocolVersion
        self.plugin = plugin
        self.target = target
        self.config = config
        self.dataDirectory = dataDirectory
    }

    /// The target config read as the plugin's own Decodable settings type.
    public func config<T: Decodable>(as type: T.Type) throws -> T {
        try WireCoding.decode(type, from: config)
    }
}

/// `initialize` result: who the plugin is and which protocol version it speaks.
public struct InitializeResult: Sendable, Hashable, Codable {
    public var protocolVersion: ProtocolVersion
    /// The plugin's own name, for logs.
    public var name: String
    /// The plugin's own version, for logs and `capstan version`.
    public var version: String

    public init(protocolVersion: ProtocolVersion = .current, name: String, version: String) {
        self.protocolVersion = protocolVersion
        self.name = name
        self.version = version
    }
}

/// `capabilities` result: what the plugin can be asked to do.
public struct Capabilities: Sendable, Hashable, Codable {
    /// The platform stages it runs. Names this host does not know (from a newer minor) are skipped when decoding.
    public var stages: [StageKind]
    /// Whether it answers `liveState`.
    public var liveState: Bool

    public init(stages: [StageKind], liveState: Bool) {
        self.stages = stages
        self.liveState = liveState
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stages = try container.decode([String].self, forKey: .stages).compactMap(StageKind.init(rawValue:))
        liveState = try container.decode(Bool.self, forKey: .liveState)
    }

    private enum CodingKeys: String, CodingKey { case stages, liveState }
}

/// Empty params or result (`capabilities`, `shutdown`): written as `{}`.
public struct EmptyMessage: Sendable, Hashable, Codable {
    public init() {}
}

/// `liveState` params: which application to report on.
public struct LiveStateParams: Sendable, Hashable, Codable {
    public var app: String
    /// The commit Capstan last deployed to primary; nil when it deployed nothing yet.
    public var deployedCommit: CommitID?

    public init(app: String, deployedCommit: CommitID? = nil) {
        self.app = app
        self.deployedCommit = deployedCommit
    }
}

/// `executeStage` params: everything a plugin needs to run one stage, with no other source of truth.
///
/// The same (deployment, stage index) may arrive again with a higher `attempt` after a server or
/// plugin restart: the plugin must converge to the stage's end state, not redo it blindly.
public struct ExecuteStageParams: Sendable, Hashable, Codable {
    public var deploymentId: DeploymentID
    public var app: String
    /// 0-based position in the deployment's stages.
    public var stageIndex: Int
    public var stage: StageKind
    /// 1 for the first run of this stage, then 2, 3, … for re-runs after restarts.
    public var attempt: Int
    public var commit: CommitID
    /// What was deployed before; nil for a first deployment. ROLLBACK returns to it.
    public var previousCommit: CommitID?
    /// Absolute path of the application's folder, checked out at `commit`.
    public var appDirectory: String
    /// The desired-state files, by path relative to the application's folder, as raw text.
    public var manifests: [String: String]
    /// The stage's `with:` block; `{}` when it has none.
    public var options: JSONValue

    /// The options read as the plugin's own Decodable type.
    public func options<T: Decodable>(as type: T.Type) throws -> T {
        try WireCoding.decode(type, from: options)
    }

    public init(deploymentId: DeploymentID, app: String, stageIndex: Int, stage: StageKind, attempt: Int,
                commit: CommitID, previousCommit: CommitID?, appDirectory: String, manifests: [String: String],
                options: JSONValue = .object([:])) {
        self.deploymentId = deploymentId
        self.app = app
        self.stageIndex = stageIndex
        self.stage = stage
        self.attempt = attempt
        self.commit = commit
        self.previousCommit = previousCommit
        self.appDirectory = appDirectory
        self.manifests = manifests
        self.options = options
    }
}

/// `executeStage` result: how the stage ended.
public struct ExecuteStageResult: Sendable, Hashable, Codable {
    /// Only the two final outcomes: a plugin answers when the stage is over.
    public enum Status: String, Sendable, Hashable, Codable {
        case success
        case failure
    }

    public var status: Status
    /// One line for people: why it failed, or what it did.
    public var reason: String?
    /// Log lines not already sent as `log` notifications.
    public var logs: [LogLine]

    public init(status: Status, reason: String? = nil, logs: [LogLine] = []) {
        self.status = status
        self.reason = reason
        self.logs = logs
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        status = try container.decode(Status.self, forKey: .status)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
        logs = try container.decodeIfPresent([LogLine].self, forKey: .logs) ?? []
    }

    private enum CodingKeys: String, CodingKey { case status, reason, logs }

    /// A failure with `reason`.
    public static func failure(_ reason: String, logs: [LogLine] = []) -> ExecuteStageResult {
        ExecuteStageResult(status: .failure, reason: reason, logs: logs)
    }

    /// A success, optionally saying what was done.
    public static func success(_ reason: String? = nil, logs: [LogLine] = []) -> ExecuteStageResult {
        ExecuteStageResult(status: .success, reason: reason, logs: logs)
    }
}

/// `log` notification params: one line of a running stage's log, sent by the plugin as it happens.
public struct StageLogParams: Sendable, Hashable, Codable {
    /// Copied from the `executeStage` request, so that concurrent stages are told apart.
    public var deploymentId: DeploymentID
    public var stageIndex: Int
    public var line: LogLine

    public init(deploymentId: DeploymentID, stageIndex: Int, line: LogLine) {
        self.deploymentId = deploymentId
        self.stageIndex = stageIndex
        self.line = line
    }
}

/// `finishDeployment` params: a deployment has ended, in `state`.
///
/// Sent once after the deployment's final state is stored, and possibly again after a restart: the
/// plugin must treat a repeat as a no-op. A plugin that keeps nothing per deployment answers `{}`.
public struct FinishDeploymentParams: Sendable, Hashable, Codable {
    public var deploymentId: DeploymentID
    public var app: String
    /// `SUCCESS`, `FAILURE` or `CANCELLED`.
    public var state: DeploymentState
    /// The deployment's commit, and what was deployed before it (nil for a first deployment).
    public var commit: CommitID
    public var previousCommit: CommitID?
    /// False when the deployment was cancelled without rollback: leave every variant as it is.
    public var rolledBack: Bool

    public init(deploymentId: DeploymentID, app: String, state: DeploymentState, commit: CommitID,
                previousCommit: CommitID?, rolledBack: Bool) {
        self.deploymentId = deploymentId
        self.app = app
        self.state = state
        self.commit = commit
        self.previousCommit = previousCommit
        self.rolledBack = rolledBack
    }
}
