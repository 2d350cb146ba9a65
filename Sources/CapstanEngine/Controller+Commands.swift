public import CapstanCore

/// People's commands, carried out by the runner (which cuts off the stage in flight) and persisted
/// before they return; a deployment no one runs right now is picked up by the dispatcher.
extension Controller: DeploymentCommands {
    public func rollback(_ id: DeploymentID, by actor: String) async throws -> Deployment {
        try await command(id, .rollback(by: actor))
    }

    public func cancel(_ id: DeploymentID, rollback: Bool, by actor: String) async throws -> Deployment {
        try await command(id, .cancel(rollback: rollback, by: actor))
    }

    private func command(_ id: DeploymentID, _ input: DeploymentMachine.Input) async throws -> Deployment {
        do {
            let deployment = try await runner.command(id, input)
            wakeDispatcher()  // a rollback of a deployment no one is running needs a runner
            return deployment
        } catch let refusal as DeploymentMachine.Refusal {
            throw StoreError.conflict("deployment \(id): \(refusal.message)")
        }
    }
}
