public import Foundation

/// The lifecycle of a deployment: `PENDING → PLANNED → RUNNING → (ROLLING_BACK) → SUCCESS | FAILURE | CANCELLED`.
public enum DeploymentState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending = "PENDING"
    case planned = "PLANNED"
    case running = "RUNNING"
    case rollingBack = "ROLLING_BACK"
    case success = "SUCCESS"
    case failure = "FAILURE"
    case cancelled = "CANCELLED"

    /// A final state never changes again.
    public var isFinal: Bool { [.success, .failure, .cancelled].contains(self) }
}

/// The lifecycle of one stage of a deployment.
public enum StageState: String, Sendable, Hashable, Codable, CaseIterable {
    case notStarted = "NOT_STARTED"
    case running = "RUNNING"
    case success = "SUCCESS"
    case failure = "FAILURE"
    case cancelled = "CANCELLED"
    case skipped = "SKIPPED"

    public var isFinal: Bool { ![.notStarted, .running].contains(self) }
}

/// What started a deployment.
public enum DeploymentTrigger: String, Sendable, Hashable, Codable, CaseIterable {
    /// A new commit on the watched branch (poll or webhook).
    case commit
    /// Someone asked for it (API or CLI sync).
    case manual
    /// Drift repair of an application with `sync.selfHeal`.
    case selfHeal
}

/// Identifies a deployment; opaque to users, unique across the store.
public struct DeploymentID: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }

    /// A new random id, e.g. `d-5f0c2a9e41b7`.
    public static func random() -> DeploymentID {
        var generator = SystemRandomNumberGenerator()
        let hex = (0..<6).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
        return DeploymentID(rawValue: "d-\(hex)")
    }

    public var description: String { rawValue }
    public static func < (lhs: DeploymentID, rhs: DeploymentID) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One rollout of one commit of one application.
public struct Deployment: Sendable, Hashable, Codable {
    public var id: DeploymentID
    public var app: String
    public var commit: CommitID
    /// What was live when it was planned; nil for a first deployment. Rollback returns to it.
    public var previousCommit: CommitID?
    public var trigger: DeploymentTrigger
    public var strategy: PlannedStrategy
    public var state: DeploymentState
    /// Why it is in its state (a failure's cause, `superseded by d-…`), for people.
    public var reason: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: DeploymentID, app: String, commit: CommitID, previousCommit: CommitID?, trigger: DeploymentTrigger,
                strategy: PlannedStrategy, state: DeploymentState = .pending, reason: String? = nil,
                createdAt: Date, updatedAt: Date? = nil) {
        self.id = id
        self.app = app
        self.commit = commit
        self.previousCommit = previousCommit
        self.trigger = trigger
        self.strategy = strategy
        self.state = state
        self.reason = reason
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }
}

/// One stage of a deployment as it runs.
public struct StageRecord: Sendable, Hashable, Codable {
    public var deployment: DeploymentID
    /// 0-based position in the deployment's stages.
    public var index: Int
    public var kind: StageKind
    /// The stage's `with:` options as JSON (``StageOptions/json``), kept so people can see what it does
    /// (traffic weights, replicas) without reading Git; `{}` when none were recorded.
    public var options: JSONValue
    public var state: StageState
    /// How many times it was started (a restart resumes a RUNNING stage with a new attempt).
    public var attempts: Int
    public var reason: String?
    public var startedAt: Date?
    public var finishedAt: Date?

    public init(deployment: DeploymentID, index: Int, kind: StageKind, options: JSONValue = .object([:]),
                state: StageState = .notStarted, attempts: Int = 0, reason: String? = nil, startedAt: Date? = nil,
                finishedAt: Date? = nil) {
        self.deployment = deployment
        self.index = index
        self.kind = kind
        self.options = options
        self.state = state
        self.attempts = attempts
        self.reason = reason
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A recorded approval of a WAIT_APPROVAL stage.
public struct Approval: Sendable, Hashable, Codable {
    public var deployment: DeploymentID
    public var stageIndex: Int
    /// The token name of whoever approved.
    public var approver: String
    public var at: Date

    public init(deployment: DeploymentID, stageIndex: Int, approver: String, at: Date) {
        self.deployment = deployment
        self.stageIndex = stageIndex
        self.approver = approver
        self.at = at
    }
}
