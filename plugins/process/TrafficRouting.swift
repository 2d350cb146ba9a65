import CapstanCore
import CapstanPluginKit

/// TRAFFIC_ROUTING, and the one place weights are derived from a service's traffic shares.
///
/// The shares are per variant (`primary 90, canary 10`), persisted on the service record; HAProxy
/// weights are per instance and always recomputed from the shares and the instances that serve
/// (``WeightFormula``), so a variant gets its share whatever its instance count, and a restarted
/// plugin or HAProxy finds the same split.
extension ProcessPlugin {
    /// Sets the app's split between its variants, for every service; refuses (changing nothing) when a
    /// variant given a positive share has no ready instance.
    func trafficRouting(_ params: ExecuteStageParams, setup: Setup, log: StageLogger) async throws(StageFailure) -> String {
        let shares = try StageOptionValues.traffic(params.options)
        // A service the new commit no longer declares keeps its split until it is removed.
        let services = state.services(of: params.app).filter { $0.retiredBy == nil }
        guard !services.isEmpty else { throw StageFailure("nothing of \(params.app) runs here: there is no traffic to route") }
        for service in services {
            if let missing = missingVariants(of: service, shares: shares).first {
                throw StageFailure(Self.noInstance(missing, service: service.name, shares: shares))
            }
        }
        for var service in services {
            service.traffic = shares
            state.services[ProcessState.serviceKey(app: service.app, service: service.name)] = service
            try save(setup)
            try applyTraffic(to: service, strict: true, setup: setup, log: log)
        }
        return "traffic: \(shares)"
    }

    /// The instances that carry each variant's share: alive, in HAProxy, of the commit the variant runs
    /// now, and not kept for a rollback.
    func servingInstances(of service: ServiceRecord) -> [Variant: [InstanceRecord]] {
        var serving: [Variant: [InstanceRecord]] = [:]
        for instance in state.instances(of: service) where instance.keptBy == nil && instance.weight != nil
            && service[instance.variant]?.commit == instance.commit && instance.process.isAlive {
            serving[instance.variant, default: []].append(instance)
        }
        return serving
    }

    /// Sets every weight of `service` from its shares (raises before cuts), and logs the split. A variant
    /// with a share and no serving instance fails when `strict`; otherwise it is logged, and HAProxy spreads
    /// requests over the variants that do serve (a stage that only adds a variant must not fail for that).
    func applyTraffic(to service: ServiceRecord, strict: Bool, setup: Setup, log: StageLogger) throws(StageFailure) {
        let shares = service.shares
        let serving = servingInstances(of: service)
        let perInstance = WeightFormula.perInstance(shares: shares, instances: serving.mapValues(\.count))
        if let first = missingVariants(of: service, shares: shares).first {
            let problem = Self.noInstance(first, service: service.name, shares: shares)
            if strict { throw StageFailure(problem) }
            log("\(problem); the variants that run share its traffic", level: .warning)
        }
        var variantOf: [ProcessIdentity: Variant] = [:]
        for (variant, instances) in serving {
            for instance in instances { variantOf[instance.process] = variant }
        }
        try setWeights(of: service, setup: setup, log: nil) { instance in
            variantOf[instance.process].flatMap { perInstance[$0] } ?? 0
        }
        let weights = state.instances(of: service).filter { $0.weight != nil }
            .sorted { (Self.order($0.variant), $0.serverName) < (Self.order($1.variant), $1.serverName) }
            .map { "\($0.serverName)=\($0.weight ?? 0)" }
        log("\(service.name) traffic: \(shares) (weights \(weights.joined(separator: ", ")))")
    }

    /// Sets the weight `weight(instance)` of every instance of `service` that is in HAProxy (nil: leave it),
    /// raises first; logs the changes when given a logger.
    func setWeights(of service: ServiceRecord, setup: Setup, log: StageLogger?,
                    _ weight: (InstanceRecord) -> Int?) throws(StageFailure) {
        var changes: [String] = []
        let updates = state.instances.indices.compactMap { index -> (index: Int, weight: Int)? in
            let instance = state.instances[index]
            guard instance.app == service.app, instance.service == service.name, instance.weight != nil,
                  let new = weight(instance) else { return nil }
            return (index, new)
        }
        // Raises before cuts: applied the other way round, every weight could be 0 for a moment (503s).
        let raisesFirst = updates.filter { $0.weight >= (state.instances[$0.index].weight ?? 0) }
            + updates.filter { $0.weight < (state.instances[$0.index].weight ?? 0) }
        for (index, new) in raisesFirst {
            let instance = state.instances[index]
            try setup.haproxy.setWeight(backend: service.backendName, server: instance.serverName, weight: new)
            if instance.weight != new { changes.append("\(instance.serverName)=\(new)") }
            state.instances[index].weight = new
        }
        try save(setup)
        if let log, !changes.isEmpty { log("\(service.name) weights: \(changes.joined(separator: ", "))") }
    }

    private static func order(_ variant: Variant) -> Int { Variant.allCases.firstIndex(of: variant) ?? 0 }

    private func missingVariants(of service: ServiceRecord, shares: TrafficShares) -> [Variant] {
        let serving = servingInstances(of: service)
        return Variant.allCases.filter { shares[$0] > 0 && serving[$0, default: []].isEmpty }
    }

    private static func noInstance(_ variant: Variant, service: String, shares: TrafficShares) -> String {
        let hint = switch variant {
        case .primary: "deploy it first (SYNC or PRIMARY_ROLLOUT)"
        case .canary: "run CANARY_ROLLOUT before routing traffic to it"
        case .baseline: "run BASELINE_ROLLOUT before routing traffic to it"
        }
        return "\(service): no \(variant.rawValue) instance is ready to take \(shares[variant])% of traffic; \(hint)"
    }
}
