import CapstanCore
import CapstanPluginKit

/// PRIMARY_ROLLOUT: primary runs the new commit, and the previous primary is kept for an instant rollback.
extension ProcessPlugin {
    /// Starts fresh primary instances of `commit` (the spec's replicas; a canary at the same commit is not
    /// promoted in place — it is cleaned by its own stage), waits until they are ready, moves primary's
    /// share from the old instances to them (raise before cut: no request fails), and keeps the old ones
    /// alive at weight 0, tagged with this deployment, until `finishDeployment` (or a ROLLBACK reuses them).
    func primaryRollout(_ params: ExecuteStageParams, setup: Setup, log: StageLogger) async throws(StageFailure) -> String {
        let specs = try ServiceSpec.decode(params.manifests)
        let deployment = params.deploymentId.rawValue
        try await ensureHAProxy(setup, log: log)
        var done: [String] = []
        for spec in specs {
            let key = ProcessState.serviceKey(app: params.app, service: spec.name)
            let fresh = try await rollOutVariant(.primary, app: params.app, spec: spec, commit: params.commit,
                                                 directory: params.appDirectory, replicas: spec.replicas,
                                                 setup: setup, log: log)
            guard var service = state.services[key] else { throw StageFailure("\(spec.name) vanished from the state") }
            service[.primary] = VariantRecord(commit: params.commit, spec: spec)
            service.retiredBy = nil
            state.services[key] = service
            for index in state.instances.indices {
                let instance = state.instances[index]
                guard instance.app == params.app, instance.service == spec.name, instance.variant == .primary,
                      instance.commit != params.commit, instance.keptBy == nil else { continue }
                state.instances[index].keptBy = deployment
            }
            try save(setup)
            // Kept instances serve no share any more: this gives primary's share to the fresh ones only.
            try applyTraffic(to: service, strict: false, setup: setup, log: log)

            let ports = fresh.map { "\($0.serverName) (pid \($0.process.pid))" }.joined(separator: ", ")
            log("\(spec.name): primary now runs \(params.commit.short): \(ports)")
            let allKept = state.instances(of: service).filter { $0.keptBy == deployment }
            if !allKept.isEmpty {
                let list = allKept.map { "\($0.serverName) (pid \($0.process.pid))" }.joined(separator: ", ")
                let commits = Set(allKept.map(\.commit.short)).sorted().joined(separator: ", ")
                log("\(spec.name): previous primary (\(commits)) kept at weight 0 until \(deployment) "
                    + "ends, for an instant rollback: \(list)")
            }
            done.append("\(spec.name): \(spec.replicas) primary instance(s) of \(params.commit.short)"
                + (allKept.isEmpty ? "" : ", \(allKept.count) previous kept until the deployment ends"))
        }
        let declared = Set(specs.map(\.name))
        for var service in state.services(of: params.app) where !declared.contains(service.name) && service.retiredBy == nil {
            // Still serving (a rollback needs it); removed when the deployment ends.
            service.retiredBy = deployment
            state.services[ProcessState.serviceKey(app: service.app, service: service.name)] = service
            try save(setup)
            log("\(service.name) is no longer declared at \(params.commit.short): it keeps serving until \(deployment) ends")
        }
        return done.isEmpty ? "no ProcessService to run" : done.joined(separator: "; ")
    }
}
