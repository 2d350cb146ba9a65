import CapstanCore
import Foundation

/// A ``DeploymentCommands`` that does what the engine's does up to the point of running stages: it applies
/// the command to the stored deployment through ``DeploymentMachine`` and persists the transition, with the
/// port's errors (notFound, conflict). The ROLLBACK stage it starts never runs: no engine here.
actor MachineCommands: DeploymentCommands {
    let store: any DeploymentStore
    let now: Date
    private(set) var actors: [String] = []

    init(store: any DeploymentStore, now: Date = ServerFixture.t0.addingTimeInterval(90)) {
        self.store = store
        self.now = now
    }

    func rollback(_ id: DeploymentID, by actor: String) async throws -> Deployment {
        try await apply(.rollback(by: actor), to: id, by: actor)
    }

    func cancel(_ id: DeploymentID, rollback: Bool, by actor: String) async throws -> Deployment {
        try await apply(.cancel(rollback: rollback, by: actor), to: id, by: actor)
    }

    func approve(_ id: DeploymentID, by identity: String, roles: Set<String>) async throws -> Deployment {
        actors.append(identity)
        guard let deployment = try await store.deployment(id) else { throw StoreError.notFound("deployment \(id)") }
        return deployment
    }

    func skipStage(_ id: DeploymentID, by actor: String, roles: Set<String>) async throws -> Deployment {
        try await apply(.skipStage(by: actor), to: id, by: actor)
    }

    private func apply(_ input: DeploymentMachine.Input, to id: DeploymentID, by actor: String) async throws -> Deployment {
        actors.append(actor)
        guard let deployment = try await store.deployment(id) else { throw StoreError.notFound("deployment \(id)") }
        var machine = DeploymentMachine(deployment: deployment, stages: try await store.stages(of: id), autoRollback: true)
        do {
            let transition = try machine.handle(input, at: now)
            try await store.write(transition.changes, events: transition.events)
        } catch let refusal as DeploymentMachine.Refusal {
            throw StoreError.conflict("\(id): \(refusal.message)")
        }
        return machine.deployment
    }
}
