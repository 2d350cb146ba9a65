import CapstanCore
import Foundation

/// A ``DeploymentCommands`` that records each call and answers as the engine would for the seeded
/// deployments: d-0004 (RUNNING) can be rolled back or cancelled, the others have ended (409), any other
/// id is unknown (404). `failure` makes every call throw it instead.
actor RecordingCommands: DeploymentCommands {
    enum Call: Sendable, Hashable {
        case rollback(DeploymentID, by: String)
        case cancel(DeploymentID, rollback: Bool, by: String)
        case approve(DeploymentID, by: String, roles: Set<String>)
        case skipStage(DeploymentID, by: String, roles: Set<String>)
    }

    private(set) var calls: [Call] = []
    private let failure: (any Error & Sendable)?

    init(failure: (any Error & Sendable)? = nil) {
        self.failure = failure
    }

    func rollback(_ id: DeploymentID, by actor: String) async throws -> Deployment {
        calls.append(.rollback(id, by: actor))
        var deployment = try running(id)
        deployment.state = .rollingBack
        deployment.reason = "rolled back by \(actor)"
        return deployment
    }

    func cancel(_ id: DeploymentID, rollback: Bool, by actor: String) async throws -> Deployment {
        calls.append(.cancel(id, rollback: rollback, by: actor))
        var deployment = try running(id)
        deployment.state = rollback ? .rollingBack : .cancelled
        deployment.reason = "cancelled by \(actor)" + (rollback ? "" : " (no rollback: variants left as they are)")
        return deployment
    }

    func approve(_ id: DeploymentID, by identity: String, roles: Set<String>) async throws -> Deployment {
        calls.append(.approve(id, by: identity, roles: roles))
        return try running(id)
    }

    func skipStage(_ id: DeploymentID, by actor: String, roles: Set<String>) async throws -> Deployment {
        calls.append(.skipStage(id, by: actor, roles: roles))
        return try running(id)
    }

    private func running(_ id: DeploymentID) throws -> Deployment {
        if let failure { throw failure }
        guard let deployment = Seed.deployments.first(where: { $0.id == id }) else {
            throw StoreError.notFound("deployment \(id)")
        }
        guard deployment.state == .running else {
            throw StoreError.conflict("deployment is already \(deployment.state.rawValue)")
        }
        return deployment
    }
}
