public import CapstanCore

/// Approvals of WAIT_APPROVAL stages and skipping a stage by hand.
extension Controller {
    public func approve(_ id: DeploymentID, by identity: String, roles: Set<String>) async throws -> Deployment {
        guard let deployment = try await store.deployment(id) else { throw StoreError.notFound("deployment \(id)") }
        let stages = try await store.stages(of: id)
        guard deployment.state == .running,
              let stage = stages.first(where: { $0.state == .running && $0.kind == .waitApproval }) else {
            throw StoreError.conflict("deployment \(id) is not waiting for an approval (it is \(deployment.state.rawValue))")
        }
        let approvers = stage.options["approvers"]?.arrayValue?.compactMap(\.stringValue) ?? []
        guard Self.mayApprove(identity, roles: roles, approvers: approvers) else {
            throw CommandError.forbidden("\(identity) is not among the approvers of stage \(stage.index): "
                + approvers.joined(separator: ", "))
        }
        let already = try await store.approvals(of: id).contains { $0.stageIndex == stage.index && $0.approver == identity }
        if !already {
            let at = clockNow()
            let approval = Approval(deployment: id, stageIndex: stage.index, approver: identity, at: at)
            let event = NewEvent(kind: .approvalRecorded, at: at, app: deployment.app, deployment: id, stageIndex: stage.index,
                                 message: "stage \(stage.index) WAIT_APPROVAL approved by \(identity)",
                                 data: ["approver": identity])
            do {
                try await store.write([.insertApproval(approval)], events: [event])
            } catch StoreError.conflict {
                // The same identity approved concurrently: it counts once, which is what it asked for.
            }
        }
        wakeDispatcher()
        return deployment
    }

    public func skipStage(_ id: DeploymentID, by actor: String, roles: Set<String>) async throws -> Deployment {
        // A deployer who could skip an approval would approve its own deployment: the gate asks for an approver.
        let gate = try await store.stages(of: id).first { $0.state == .running && $0.kind == .waitApproval }
        if let gate {
            let approvers = gate.options["approvers"]?.arrayValue?.compactMap(\.stringValue) ?? []
            guard roles.contains("approver") || roles.contains("admin"),
                  Self.mayApprove(actor, roles: roles, approvers: approvers) else {
                let who = approvers.isEmpty ? "the approver role" : "the approver role and one of: " + approvers.joined(separator: ", ")
                throw CommandError.forbidden("skipping stage \(gate.index) WAIT_APPROVAL passes its approval gate: "
                    + "that needs \(who)")
            }
        }
        do {
            let deployment = try await runner.command(id, .skipStage(by: actor))
            wakeDispatcher()
            return deployment
        } catch let refusal as DeploymentMachine.Refusal {
            throw StoreError.conflict("deployment \(id): \(refusal.message)")
        }
    }

    /// Anyone with the approver role when the stage names nobody; else a named identity or `role:NAME`.
    static func mayApprove(_ identity: String, roles: Set<String>, approvers: [String]) -> Bool {
        guard !approvers.isEmpty else { return true }
        return approvers.contains { entry in
            entry.hasPrefix("role:") ? roles.contains(String(entry.dropFirst(5))) : entry == identity
        }
    }
}
