import CapstanCore
import CapstanPluginKit

/// What PRIMARY_ROLLOUT keeps for a quick rollback, and when it goes: at `finishDeployment` SUCCESS, or
/// (when that call was missed) at the first stage of the application's next deployment.
extension ProcessPlugin {
    /// A deployment ended. SUCCESS: drain and stop the previous primary's instances it kept, and remove the
    /// services its commit no longer declares. Any other end leaves everything as it is: a rollback already
    /// reused or stopped them, and a deployment cancelled without rollback leaves every variant running.
    /// A repeat finds nothing tagged with the deployment any more, so it is a no-op.
    func finishDeployment(_ params: FinishDeploymentParams) async throws {
        guard let setup else { throw JSONRPCError(.notInitialized, "finishDeployment before initialize") }
        await acquireStageSlot()
        defer { releaseStageSlot() }
        let deployment = params.deploymentId.rawValue
        let kept = state.instances.filter { $0.app == params.app && $0.keptBy == deployment }
        let retired = state.services(of: params.app).filter { $0.retiredBy == deployment }
        guard !kept.isEmpty || !retired.isEmpty else { return }
        let log = Self.pluginLogger(params.deploymentId)
        guard params.state == .success else {
            log("\(deployment) ended \(params.state.rawValue) (rolled back: \(params.rolledBack)): leaving "
                + "\(kept.count) kept instance(s) of \(params.app) as they are; its next deployment stops them")
            return
        }
        do {
            try await releaseKept(app: params.app, where: { $0 == deployment }, setup: setup, log: log)
        } catch {
            throw JSONRPCError(.internalError, error.description)
        }
    }

    /// At the start of a stage: stops what another deployment of `app` kept and never released (its
    /// `finishDeployment` was missed), so leftovers never pile up.
    func releaseLeftovers(app: String, deployment: DeploymentID, setup: Setup, log: StageLogger) async throws(StageFailure) {
        let own = deployment.rawValue
        let owners = Set(state.instances.filter { $0.app == app }.compactMap(\.keptBy)
            + state.services(of: app).compactMap(\.retiredBy)).subtracting([own])
        guard !owners.isEmpty else { return }
        log("releasing what \(owners.sorted().joined(separator: ", ")) kept for a rollback (its end was not reported)")
        try await releaseKept(app: app, where: { owners.contains($0) }, setup: setup, log: log)
    }

    /// Drains and stops the kept instances, and removes the retired services, whose owner matches.
    private func releaseKept(app: String, where owner: (String) -> Bool, setup: Setup,
                             log: StageLogger) async throws(StageFailure) {
        try await ensureHAProxy(setup, log: log)
        for service in state.services(of: app) {
            if let by = service.retiredBy, owner(by) {
                try await remove(service, setup: setup, log: log)
                continue
            }
            let kept = state.instances(of: service).filter { $0.keptBy.map(owner) ?? false }
            guard !kept.isEmpty else { continue }
            log("\(service.name): stopping the previous primary kept by \(kept[0].keptBy ?? "")")
            try await retire(kept, service: service, setup: setup, log: log)
        }
    }

    /// Stage-style log lines outside a stage go to the plugin's own log (stderr).
    static func pluginLogger(_ deployment: DeploymentID) -> StageLogger {
        StageLogger(deploymentId: deployment, stageIndex: -1) { params in
            PluginLog.write("process: \(params.deploymentId.rawValue): \(params.line.message)")
        }
    }
}
