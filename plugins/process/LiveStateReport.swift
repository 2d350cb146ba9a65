import CapstanCore
import CapstanPluginKit

/// Builds `liveState` from the state file's records and a probe of each instance.
enum LiveStateReport {
    /// One resource per service and variant: replicas wanted, ready (alive and passing its health
    /// check now), ports, and health — progressing while a stage of the app runs.
    static func build(app: String, state: ProcessState, inStage: Bool) -> LiveState {
        var resources: [LiveResource] = []
        for service in state.services(of: app) {
            for (name, record) in service.variants.sorted(by: { $0.key < $1.key }) {
                guard let variant = Variant(rawValue: name) else { continue }
                let instances = state.instances(of: service).filter { $0.variant == variant && $0.commit == record.commit }
                let dead = instances.filter { !$0.process.isAlive }
                let ready = instances.filter { !dead.contains($0) && Readiness.probe(port: $0.port, healthPath: record.spec.healthPath) }
                let wanted = record.spec.replicas
                var notes = ["\(ready.count) of \(wanted) ready"]
                notes += dead.map { "instance on :\($0.port) (pid \($0.process.pid)) is not running" }
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
}
