public import CapstanCore

/// A store whose every call fails as a broken disk would: for the 503s and exit statuses of its users.
public struct FailingDeploymentStore: DeploymentStore {
    public let error: StoreError

    public init(message: String) { error = .unavailable(message) }

    public func write(_ changes: [StoreChange], events: [NewEvent]) async throws -> [Event] { throw error }
    public func deployment(_ id: DeploymentID) async throws -> Deployment? { throw error }
    public func deployments(app: String?, state: DeploymentState?, limit: Int) async throws -> [Deployment] { throw error }
    public func stages(of deployment: DeploymentID) async throws -> [StageRecord] { throw error }
    public func approvals(of deployment: DeploymentID) async throws -> [Approval] { throw error }
    public func app(_ name: String) async throws -> AppRecord? { throw error }
    public func apps() async throws -> [AppRecord] { throw error }
    public func events(after: Int64, limit: Int) async throws -> [Event] { throw error }
    public func events(of deployment: DeploymentID, stage: Int?, kind: EventKind?, after: Int64, limit: Int) async throws
        -> [Event] { throw error }
    public func lastSequence() async throws -> Int64 { throw error }
}
