import CapstanCore
import CapstanPluginKit
import Foundation

/// The step every rollout shares (SYNC, ROLLBACK, CANARY_, BASELINE_ and PRIMARY_ROLLOUT): `replicas`
/// ready instances of one commit as one variant, in HAProxy at weight 0 when new.
///
/// It looks before it acts: alive instances of that variant and commit (not kept for a rollback) are
/// adopted — a stage run again after a crash never starts a second copy — extras are retired, and only
/// the missing ones are started. What the instances get of the traffic is the caller's business.
extension ProcessPlugin {
    /// Makes `replicas` instances of `spec` at `commit` run as `variant`, ready and in HAProxy; returns them.
    /// On a readiness failure the instances it started are stopped and forgotten, and it throws.
    @discardableResult
    func rollOutVariant(_ variant: Variant, app: String, spec: ServiceSpec, commit: CommitID, directory: String,
                        replicas: Int, setup: Setup, log: StageLogger) async throws(StageFailure) -> [InstanceRecord] {
        let key = ProcessState.serviceKey(app: app, service: spec.name)
        let existed = state.services[key] != nil
        var service = state.services[key] ?? ServiceRecord(app: app, name: spec.name, port: spec.port)
        // Only primary owns the frontend: a canary of a commit that moves the port must not move it.
        if variant == .primary || !existed {
            service.port = spec.port
            service.healthPath = spec.healthPath
        }
        state.services[key] = service
        forgetDead(of: service, log: log)

        let isMine = { (i: InstanceRecord) in i.variant == variant && i.commit == commit && i.keptBy == nil }
        var mine = state.instances(of: service).filter(isMine)
        if mine.count > replicas {
            let extra = Array(mine.suffix(mine.count - replicas))
            try await retire(extra, service: service, setup: setup, log: log)
            mine.removeLast(extra.count)
        }
        if !mine.isEmpty, mine.count <= replicas {
            log("\(label(variant, spec.name)): adopting \(mine.count) running instance(s) of \(commit.short) "
                + "(pids \(mine.map { String($0.process.pid) }.joined(separator: ", ")))")
        }
        var started: [InstanceRecord] = []
        while mine.count < replicas {
            let taken = Set(state.instances.map(\.port))
            let instance = try setup.launcher.start(spec, app: app, variant: variant, commit: commit,
                                                    directory: directory, taken: taken)
            state.instances.append(instance)
            try save(setup) // recorded before it is ready: a crash now still knows it runs
            started.append(instance)
            mine.append(instance)
            log("started \(label(variant, spec.name)) \(instance.serverName) (pid \(instance.process.pid)) on :\(instance.port)")
        }

        switch await Readiness.waitUntilReady(mine, healthPath: spec.healthPath, timeout: spec.healthTimeout) {
        case .ready:
            log("\(label(variant, spec.name)): \(mine.count) instance(s) of \(commit.short) ready")
        case .exited(let instance), .timedOut(let instance):
            let exited = !instance.process.isAlive
            for failed in started { await setup.launcher.stop(failed) }
            state.instances.removeAll { started.contains($0) }
            if (state.services[key]?.variants.isEmpty ?? true) && state.instances(of: service).isEmpty {
                state.services[key] = nil // a first deployment that failed leaves nothing behind
            }
            try save(setup)
            let what = exited ? "exited before it was ready" : "was not ready within \(DurationText.format(spec.healthTimeout))"
            let tail = logTail(instance.logPath)
            throw StageFailure("\(label(variant, spec.name)) instance on :\(instance.port) \(what)"
                + (started.isEmpty ? "" : "; stopped the \(started.count) instance(s) started")
                + (tail.isEmpty ? "" : "; its output ends with: \(tail)"))
        }

        // Into HAProxy's configuration at weight 0 (a reload when one joins); traffic comes afterwards.
        for index in state.instances.indices where state.instances[index].weight == nil
            && mine.contains(where: { $0.process == state.instances[index].process }) {
            state.instances[index].weight = 0
        }
        try save(setup)
        try await ensureHAProxy(setup, log: log)
        return state.instances(of: service).filter(isMine)
    }

    /// Forgets the service's instances that no longer run (HAProxy loses them at the next reload).
    func forgetDead(of service: ServiceRecord, log: StageLogger) {
        for dead in state.instances(of: service) where !dead.process.isAlive {
            log("instance \(dead.serverName) (pid \(dead.process.pid)) had exited; forgetting it", level: .warning)
            state.instances.removeAll { $0 == dead }
        }
    }

    /// "hello" for primary, "hello canary" for the others: how log lines and reasons name a variant.
    func label(_ variant: Variant, _ service: String) -> String {
        variant == .primary ? service : "\(service) \(variant.rawValue)"
    }
}
