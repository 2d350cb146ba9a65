import CapstanCore
import CapstanPluginKit
import Foundation

/// CANARY_ROLLOUT, BASELINE_ROLLOUT, CANARY_CLEAN and BASELINE_CLEAN: a variant beside primary, at
/// weight 0 until TRAFFIC_ROUTING gives it a share, and its orderly removal.
extension ProcessPlugin {
    /// The new commit as the canary variant, `with.replicas` instances per service, ready, at weight 0.
    func canaryRollout(_ params: ExecuteStageParams, setup: Setup, log: StageLogger) async throws(StageFailure) -> String {
        let replicas = try StageOptionValues.replicas(params.options)
        let specs = try ServiceSpec.decode(params.manifests)
        return try await rollOutSideVariant(.canary, app: params.app, specs: specs, sizes: specs, replicas: replicas,
                                            commit: params.commit, directory: params.appDirectory, setup: setup, log: log)
    }

    /// The commit deployed now (`previousCommit`, from its checkout beside this one) as the baseline variant,
    /// sized like the canary, so that the two compare like for like.
    func baselineRollout(_ params: ExecuteStageParams, setup: Setup, log: StageLogger) async throws(StageFailure) -> String {
        let replicas = try StageOptionValues.replicas(params.options)
        guard let previous = params.previousCommit else {
            throw StageFailure("BASELINE_ROLLOUT runs the commit deployed now, and \(params.app) has none yet "
                + "(a first deployment): there is nothing to compare the canary with")
        }
        let directory = Self.checkout(of: previous, besides: params.appDirectory)
        let specs = try ServiceSpec.decode(try ServiceSpec.readManifests(paths: params.manifests.keys, in: directory))
        // A percentage is of the new commit's replicas, as for the canary: both variants get the same size.
        let sizes = try ServiceSpec.decode(params.manifests)
        return try await rollOutSideVariant(.baseline, app: params.app, specs: specs, sizes: sizes, replicas: replicas,
                                            commit: previous, directory: directory, setup: setup, log: log)
    }

    /// CANARY_CLEAN / BASELINE_CLEAN: its share (if any) moves to primary, then drain, stop, out of HAProxy.
    func clean(_ variant: Variant, _ params: ExecuteStageParams, setup: Setup,
               log: StageLogger) async throws(StageFailure) -> String {
        var stopped = 0
        for var service in state.services(of: params.app) {
            let key = ProcessState.serviceKey(app: service.app, service: service.name)
            var shares = service.shares
            if shares[variant] > 0 {
                let moved = shares[variant]
                shares.primary += moved
                shares[variant] = 0
                service.traffic = shares
                // Checked before anything changes: moving the share to no instance would refuse requests.
                if servingInstances(of: service)[.primary, default: []].isEmpty {
                    throw StageFailure("\(service.name): the \(variant.rawValue) still has \(moved)% of traffic and no "
                        + "primary instance runs to take it; route traffic away from it (TRAFFIC_ROUTING) first")
                }
                log("\(label(variant, service.name)) had \(moved)% of traffic; moved to primary (\(shares))")
                state.services[key] = service
                try save(setup)
                try applyTraffic(to: service, strict: true, setup: setup, log: log)
            }
            let instances = state.instances(of: service).filter { $0.variant == variant }
            try await retire(instances, service: service, setup: setup, log: log)
            stopped += instances.count
            if var current = state.services[key] {
                current[variant] = nil
                state.services[key] = current
                try save(setup)
            }
        }
        return stopped == 0 ? "no \(variant.rawValue) was running" : "stopped \(stopped) \(variant.rawValue) instance(s)"
    }

    /// Per service in `specs`: `replicas` (resolved against the same service's replicas in `sizes`) instances
    /// of `commit` as `variant`; instances of the variant at another commit (a leftover) are retired first.
    private func rollOutSideVariant(_ variant: Variant, app: String, specs: [ServiceSpec], sizes: [ServiceSpec],
                                    replicas: ReplicaCount, commit: CommitID, directory: String, setup: Setup,
                                    log: StageLogger) async throws(StageFailure) -> String {
        try await ensureHAProxy(setup, log: log)
        var done: [String] = []
        for spec in specs {
            let primaryReplicas = sizes.first { $0.name == spec.name }?.replicas ?? spec.replicas
            var sized = spec
            sized.replicas = replicas.resolve(primaryReplicas: primaryReplicas)
            let key = ProcessState.serviceKey(app: app, service: spec.name)
            if let service = state.services[key] {
                let stale = state.instances(of: service).filter { $0.variant == variant && $0.commit != commit }
                if !stale.isEmpty {
                    log("\(label(variant, spec.name)): stopping \(stale.count) instance(s) of another commit first")
                    try await retire(stale, service: service, setup: setup, log: log)
                }
            }
            let instances = try await rollOutVariant(variant, app: app, spec: sized, commit: commit, directory: directory,
                                                     replicas: sized.replicas, setup: setup, log: log)
            guard var service = state.services[key] else { throw StageFailure("\(spec.name) vanished from the state") }
            service[variant] = VariantRecord(commit: commit, spec: sized)
            state.services[key] = service
            try save(setup)
            // Weight 0 unless a share was already routed to it (a stage run again after TRAFFIC_ROUTING).
            try applyTraffic(to: service, strict: false, setup: setup, log: log)
            let ports = instances.map { ":\($0.port)" }.joined(separator: ", ")
            done.append("\(sized.replicas) \(label(variant, spec.name)) instance(s) of \(commit.short) ready on \(ports)")
        }
        return done.isEmpty ? "no ProcessService to run" : done.joined(separator: "; ")
    }
}
