public import Foundation

/// Whether an application's live state matches Git.
public enum SyncStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case synced = "SYNCED"
    case outOfSync = "OUT_OF_SYNC"
    case deploying = "DEPLOYING"
    /// The target could not be asked (plugin down, target unreachable).
    case unknown = "UNKNOWN"
    /// Its capstan.yaml or a manifest at the branch head does not validate.
    case invalidConfig = "INVALID_CONFIG"
}

/// What the store keeps about an application between deployments.
public struct AppRecord: Sendable, Hashable, Codable {
    public var name: String
    /// The configured repository it comes from.
    public var repository: String
    public var configPath: String
    public var status: SyncStatus
    /// The commit of its last successful deployment.
    public var lastDeployedCommit: CommitID?
    /// A one-line desired-vs-live summary (`2 of 2 replicas at 1a2b3c4`, or why it is not synced).
    public var summary: String?
    /// The desired-vs-live diff as people read it; empty when synced.
    public var diff: String?
    public var updatedAt: Date
    /// The labels of its `capstan.yaml` at the last commit Capstan read it, so that notifications can filter
    /// on them without reading Git.
    public var labels: [String: String]

    public init(name: String, repository: String, configPath: String, status: SyncStatus = .unknown,
                lastDeployedCommit: CommitID? = nil, summary: String? = nil, diff: String? = nil, updatedAt: Date,
                labels: [String: String] = [:]) {
        self.name = name
        self.repository = repository
        self.configPath = configPath
        self.status = status
        self.lastDeployedCommit = lastDeployedCommit
        self.summary = summary
        self.diff = diff
        self.updatedAt = updatedAt
        self.labels = labels
    }
}
