import CapstanCore
import CapstanPluginKit

/// Builds `liveState` from the state file's records and a probe of each instance.
enum LiveStateReport {
    /// One resource per service and variant (primary, and canary / baseline while they run): replicas
    /// wanted, ready (alive and passing its health check now), ports, health — progressing while a stage
    /// of the app runs — and in `details` the variant's share of traffic and, on primary, the previous
    /// primary's instances kept for a quick rollback.
    static func build(app: String, state: ProcessState, inStage: Bool) -> LiveState {
        var resources: [LiveResource] = []
        for service in state.services(of: app) {
            for variant in Variant.allCases {
                guard let record = service[variant] else { continue }
                let instances = state.instances(of: service)
                    .filter { $0.variant == variant && $0.commit == record.commit && $0.keptBy == nil }
                let dead = instances.filter { !$0.process.isAlive }
                let ready = instances.filter { !dead.contains($0) && Readiness.probe(port: $0.port, healthPath: record.spec.healthPath) }
                let wanted = record.spec.replicas
                var notes = ["\(ready.count) of \(wanted) ready", "\(service.shares[variant])% of traffic"]
                notes += dead.map { "instance on :\($0.port) (pid \($0.process.pid)) is not running" }
                if variant == .primary { notes += keptNotes(service, state: state) }
                if let retiredBy = service.retiredBy { notes.append("no longer declared; removed when \(retiredBy) ends") }
                let health: ResourceHealth = if ready.count == wanted && instances.count == wanted {
                    .healthy
                } else if inStage {
                    .progressing
                } else if wanted > 0 && dead.count == instances.count {
                    .missing
                } else {
                    .degraded
                }
                resources.append(LiveResource(
                    kind: "ProcessService", name: service.name, variant: variant, commit: record.commit,
                    replicas: wanted, readyReplicas: ready.count, ports: instances.map(\.port).sorted(),
                    health: health, details: notes.joined(separator: "; "), manifest: record.spec.manifest))
            }
        }
        return LiveState(app: app, resources: resources)
    }

    /// "previous primary 1111111 kept for a quick rollback until d-2 ends: :41001, :41002".
    private static func keptNotes(_ service: ServiceRecord, state: ProcessState) -> [String] {
        let kept = state.instances(of: service).filter { $0.keptBy != nil && $0.process.isAlive }
        return Dictionary(grouping: kept) { "\($0.commit.short) kept for a quick rollback until \($0.keptBy ?? "") ends" }
            .sorted { $0.key < $1.key }
            .map { what, instances in
                "previous primary \(what): " + instances.map { ":\($0.port)" }.sorted().joined(separator: ", ")
            }
    }
}
