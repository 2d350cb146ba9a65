/// What people (through the API and the CLI) may ask of a deployment in progress. The engine's
/// controller carries the commands out; the API only forwards them.
///
/// A command is persisted (as the deployment's transition and its events) before the call returns, so
/// an accepted command survives a crash; the work it starts (a ROLLBACK stage) runs afterwards.
/// Errors: ``StoreError/notFound(_:)`` when there is no such deployment, ``StoreError/conflict(_:)`` when
/// the command does not apply to it now (it already ended, or is already rolling back), and
/// ``CommandError/forbidden(_:)`` when the caller may not do it (not among a stage's approvers).
public protocol DeploymentCommands: Sendable {
    /// Rolls a running deployment back: all traffic to the previous version; it ends FAILURE.
    func rollback(_ id: DeploymentID, by actor: String) async throws -> Deployment
    /// Cancels a deployment; with `rollback`, traffic returns to the previous version first. It ends CANCELLED.
    func cancel(_ id: DeploymentID, rollback: Bool, by actor: String) async throws -> Deployment
    /// Approves the WAIT_APPROVAL stage running now. `identity` is who approves (a token's name) and
    /// `roles` what it holds: the stage's `approvers` list names identities or `role:NAME`. A second
    /// approval by the same identity is accepted and counts once.
    func approve(_ id: DeploymentID, by identity: String, roles: Set<String>) async throws -> Deployment
    /// Ends the stage running now as SKIPPED and goes on with the next one. Skipping a WAIT_APPROVAL stage
    /// passes its gate, so it takes what approving it takes: the approver role (or admin, in `roles`) and a
    /// place among the stage's approvers; ``CommandError/forbidden(_:)`` otherwise.
    func skipStage(_ id: DeploymentID, by actor: String, roles: Set<String>) async throws -> Deployment
}

/// What CI systems and Git hosts may ask of the controller.
public protocol SyncCommands: Sendable {
    /// Records a deployment of `app` at `commit` (a full or short id, a branch or tag; nil: the watched
    /// branch's head), trigger `manual`, after fetching its repository. Errors: ``StoreError/notFound(_:)``
    /// for an unknown app or commit.
    func sync(app: String, commit: String?, by actor: String) async throws -> Deployment
    /// Fetches the named repositories now rather than at their next poll; repeated calls while a fetch
    /// is pending coalesce into one. Unknown names are ignored.
    func refresh(repositories: [String]) async
}

/// Why a command was refused for who asked, rather than for the deployment's state.
public enum CommandError: Error, Sendable, Hashable, CustomStringConvertible {
    case forbidden(String)

    public var description: String {
        switch self {
        case .forbidden(let message): message
        }
    }
}
