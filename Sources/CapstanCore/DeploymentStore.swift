/// One change to the store's records, applied together with events in one transaction.
public enum StoreChange: Sendable, Hashable {
    case insertDeployment(Deployment, stages: [StageRecord])
    /// Replaces a deployment; when `expecting` is set the current state must be that one, or the whole
    /// write fails with ``StoreError/conflict(_:)`` (two writers never both move one deployment).
    case updateDeployment(Deployment, expecting: DeploymentState?)
    /// Replaces a stage record, except its `options`, which stay as inserted: they describe the pipeline
    /// at the deployment's commit, which never changes (and callers that rebuild a record need not carry them).
    case updateStage(StageRecord)
    case upsertApp(AppRecord)
    case insertApproval(Approval)
    /// Replaces all stages of a deployment that has not started (a re-plan); approvals of them must not exist.
    case replaceStages(DeploymentID, [StageRecord])
}

/// Why a store write was refused.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A record the change refers to does not exist.
    case notFound(String)
    /// An expected state did not hold, or a record that must be new already exists.
    case conflict(String)
    /// The store cannot be used (disk full, read-only, corrupt); the message says which.
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let message): "not found: \(message)"
        case .conflict(let message): "conflict: \(message)"
        case .unavailable(let message): "store unavailable: \(message)"
        }
    }
}

/// The event store and deployment records: where every transition lands.
///
/// `write` applies record changes and appends their events atomically: after a crash there is never
/// a state without its event nor an event without its state. Event sequences are global, start at 1,
/// and have no gaps.
public protocol DeploymentStore: Sendable {
    /// Applies `changes` and appends `events` in one transaction; returns the numbered events.
    @discardableResult
    func write(_ changes: [StoreChange], events: [NewEvent]) async throws -> [Event]

    func deployment(_ id: DeploymentID) async throws -> Deployment?
    /// Newest first; nil filters match everything.
    func deployments(app: String?, state: DeploymentState?, limit: Int) async throws -> [Deployment]
    /// Ordered by index.
    func stages(of deployment: DeploymentID) async throws -> [StageRecord]
    func approvals(of deployment: DeploymentID) async throws -> [Approval]
    func app(_ name: String) async throws -> AppRecord?
    /// Sorted by name.
    func apps() async throws -> [AppRecord]
    /// Name → the commit last deployed (nil: never) of every application of `repository`: what the reconciler
    /// needs of all of them on each commit, without their labels, summaries or diffs.
    func deployedCommits(repository: String) async throws -> [String: CommitID?]
    /// Events with a sequence above `after`, oldest first, at most `limit`.
    func events(after: Int64, limit: Int) async throws -> [Event]
    /// One deployment's events with a sequence above `after`, oldest first, at most `limit`; a `stage`
    /// index and a `kind` narrow them further (stage logs are `kind: .stageLog`).
    func events(of deployment: DeploymentID, stage: Int?, kind: EventKind?, after: Int64, limit: Int) async throws
        -> [Event]
    /// The highest sequence so far; 0 when there is none.
    func lastSequence() async throws -> Int64
}

extension DeploymentStore {
    /// From `apps()`, for stores with no cheaper way.
    public func deployedCommits(repository: String) async throws -> [String: CommitID?] {
        Dictionary(try await apps().filter { $0.repository == repository }.map { ($0.name, $0.lastDeployedCommit) },
                   uniquingKeysWith: { first, _ in first })
    }
}
