public import CapstanCore

/// An application as `GET /api/v1/apps` lists it.
public struct AppView: Sendable, Hashable, Codable {
    public var name: String
    public var status: SyncStatus
    /// The commit of its last successful deployment (`lastDeployedCommit` in the store).
    @Nullable public var liveCommit: CommitID?
    public var repository: String
    public var configPath: String
    /// One line on desired vs live, for people.
    @Nullable public var summary: String?
    public var updatedAt: Timestamp

    /// The API view of `record`.
    public init(_ record: AppRecord) {
        name = record.name
        status = record.status
        liveCommit = record.lastDeployedCommit
        repository = record.repository
        configPath = record.configPath
        summary = record.summary
        updatedAt = Timestamp(record.updatedAt)
    }
}

/// One application in detail (`GET /api/v1/apps/{name}`): its record, the desired-vs-live diff and its last deployment.
public struct AppDetailView: Sendable, Hashable, Codable {
    public var name: String
    public var status: SyncStatus
    @Nullable public var liveCommit: CommitID?
    public var repository: String
    public var configPath: String
    @Nullable public var summary: String?
    /// The desired-vs-live diff as people read it; empty when synced or not yet known.
    public var diff: String
    public var updatedAt: Timestamp
    /// The newest deployment of the application, whatever its state; null before the first.
    @Nullable public var lastDeployment: DeploymentView?

    /// The detail view of `record`, with its newest deployment.
    public init(_ record: AppRecord, lastDeployment: Deployment?) {
        name = record.name
        status = record.status
        liveCommit = record.lastDeployedCommit
        repository = record.repository
        configPath = record.configPath
        summary = record.summary
        diff = record.diff ?? ""
        updatedAt = Timestamp(record.updatedAt)
        self.lastDeployment = lastDeployment.map(DeploymentView.init)
    }
}

/// The desired-vs-live difference of one application (`GET /api/v1/apps/{name}/diff`).
public struct AppDiffView: Sendable, Hashable, Codable {
    public var app: String
    public var status: SyncStatus
    @Nullable public var liveCommit: CommitID?
    @Nullable public var summary: String?
    /// Empty when live matches Git (or nothing is known yet: see `status`).
    public var diff: String

    /// The diff view of `record`.
    public init(_ record: AppRecord) {
        app = record.name
        status = record.status
        liveCommit = record.lastDeployedCommit
        summary = record.summary
        diff = record.diff ?? ""
    }
}

/// The body of `GET /healthz`.
public struct HealthView: Sendable, Hashable, Codable {
    /// `ok`, or `unavailable` (with a 503).
    public var status: String
    /// Why it is unavailable; absent when ok.
    public var message: String?

    public init(status: String, message: String? = nil) {
        self.status = status
        self.message = message
    }
}
