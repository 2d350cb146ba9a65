/// What people (through the API and the CLI) may ask of a deployment in progress. The engine's
/// controller carries the commands out; the API only forwards them.
///
/// A command is persisted (as the deployment's transition and its events) before the call returns, so
/// an accepted command survives a crash; the work it starts (a ROLLBACK stage) runs afterwards.
/// Errors: ``StoreError/notFound(_:)`` when there is no such deployment, ``StoreError/conflict(_:)`` when
/// the command does not apply to it now (it already ended, or is already rolling back).
public protocol DeploymentCommands: Sendable {
    /// Rolls a running deployment back: all traffic to the previous version; it ends FAILURE.
    func rollback(_ id: DeploymentID, by actor: String) async throws -> Deployment
    /// Cancels a deployment; with `rollback`, traffic returns to the previous version first. It ends CANCELLED.
    func cancel(_ id: DeploymentID, rollback: Bool, by actor: String) async throws -> Deployment
}
