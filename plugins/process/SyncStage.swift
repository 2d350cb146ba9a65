import CapstanCore
import CapstanPluginKit
import Foundation

/// SYNC and ROLLBACK: converge the application's primary to one commit, all traffic on it, nothing else.
///
/// Each step looks at what runs before acting, so a stage run again after a restart finishes the
/// work instead of repeating it: instances of the wanted commit that are alive are kept (never a
/// second copy), missing ones are started, HAProxy is reloaded only when its topology changed.
extension ProcessPlugin {
    func sync(_ params: ExecuteStageParams, setup: Setup, log: StageLogger) async throws(StageFailure) -> String {
        let specs = try ServiceSpec.decode(params.manifests)
        return try await converge(app: params.app, specs: specs, commit: params.commit,
                                  directory: params.appDirectory, setup: setup, log: log)
    }

    func rollback(_ params: ExecuteStageParams, setup: Setup, log: StageLogger) async throws(StageFailure) -> String {
        guard let previous = params.previousCommit else {
            try await ensureHAProxy(setup, log: log)
            for service in state.services(of: params.app) { try await remove(service, setup: setup, log: log) }
            return "nothing was deployed before: stopped everything of \(params.app)"
        }
        // The engine keeps the previous commit's checkout beside this one: <root>/<app>/<commit hex>.
        let directory = URL(fileURLWithPath: params.appDirectory).deletingLastPathComponent()
            .appendingPathComponent(previous.hex).path
        let manifests = try ServiceSpec.readManifests(paths: params.manifests.keys, in: directory)
        let specs = try ServiceSpec.decode(manifests)
        log("rolling back \(params.app) to \(previous.short)")
        return try await converge(app: params.app, specs: specs, commit: previous, directory: directory,
                                  setup: setup, log: log)
    }

    /// Primary of every service in `specs` at `commit`, taking all traffic; other variants and services gone.
    private func converge(app: String, specs: [ServiceSpec], commit: CommitID, directory: String, setup: Setup,
                          log: StageLogger) async throws(StageFailure) -> String {
        try await ensureHAProxy(setup, log: log)
        var done: [String] = []
        for spec in specs {
            try await convergeService(app: app, spec: spec, commit: commit, directory: directory, setup: setup, log: log)
            done.append("\(spec.name): \(spec.replicas) instance(s) of \(commit.short) behind :\(spec.port)")
        }
        let declared = Set(specs.map(\.name))
        for service in state.services(of: app) where !declared.contains(service.name) {
            try await remove(service, setup: setup, log: log)
        }
        return done.isEmpty ? "no ProcessService to run" : done.joined(separator: "; ")
    }

    private func convergeService(app: String, spec: ServiceSpec, commit: CommitID, directory: String, setup: Setup,
                                 log: StageLogger) async throws(StageFailure) {
        let key = ProcessState.serviceKey(app: app, service: spec.name)
        var service = state.services[key] ?? ServiceRecord(app: app, name: spec.name, port: spec.port)
        service.port = spec.port
        service.healthPath = spec.healthPath
        state.services[key] = service

        for dead in state.instances(of: service) where !dead.process.isAlive {
            log("instance \(dead.serverName) had exited; forgetting it", level: .warning)
            state.instances.removeAll { $0 == dead }
        }
        let isWanted = { (i: InstanceRecord) in i.variant == .primary && i.commit == commit }
        var wanted = state.instances(of: service).filter(isWanted)
        if wanted.count > spec.replicas {
            let extra = Array(wanted.suffix(wanted.count - spec.replicas))
            try await retire(extra, service: service, setup: setup, log: log)
            wanted.removeLast(extra.count)
        }
        var started: [InstanceRecord] = []
        while wanted.count < spec.replicas {
            let taken = Set(state.instances.map(\.port))
            let instance = try setup.launcher.start(spec, app: app, variant: .primary, commit: commit,
                                                    directory: directory, taken: taken)
            state.instances.append(instance)
            try save(setup)
            started.append(instance)
            wanted.append(instance)
            log("started \(spec.name) \(instance.serverName) (pid \(instance.process.pid)) on :\(instance.port)")
        }

        switch await Readiness.waitUntilReady(wanted, healthPath: spec.healthPath, timeout: spec.healthTimeout) {
        case .ready:
            log("\(spec.name): \(wanted.count) instance(s) of \(commit.short) ready")
        case .exited(let instance), .timedOut(let instance):
            let exited = !instance.process.isAlive
            for failed in started { await setup.launcher.stop(failed) }
            state.instances.removeAll { started.contains($0) }
            if state.services[key]?.variants.isEmpty == true && state.instances(of: service).isEmpty {
                state.services[key] = nil // a first deployment that failed leaves nothing behind
            }
            try save(setup)
            let what = exited ? "exited before it was ready" : "was not ready within \(DurationText.format(spec.healthTimeout))"
            let tail = logTail(instance.logPath)
            throw StageFailure("\(spec.name) instance on :\(instance.port) \(what)"
                + (started.isEmpty ? "" : "; stopped the \(started.count) instance(s) started")
                + (tail.isEmpty ? "" : "; its output ends with: \(tail)"))
        }

        // Into HAProxy's configuration at weight 0 (a reload), then all traffic to them (runtime API).
        for index in state.instances.indices where isWanted(state.instances[index]) && state.instances[index].service == spec.name
            && state.instances[index].app == app && state.instances[index].weight == nil {
            state.instances[index].weight = 0
        }
        try save(setup)
        try await ensureHAProxy(setup, log: log)
        try setWeights(of: service, setup: setup, log: log) { isWanted($0) ? 100 : 0 }

        let others = state.instances(of: service).filter { !isWanted($0) }
        try await retire(others, service: service, setup: setup, log: log)
        service = state.services[key] ?? service
        service.variants = [:]
        service[.primary] = VariantRecord(commit: commit, spec: spec)
        state.services[key] = service
        try save(setup)
    }

    /// Takes the instances out of traffic, lets their sessions end, stops them, and removes them from HAProxy.
    private func retire(_ instances: [InstanceRecord], service: ServiceRecord, setup: Setup,
                        log: StageLogger) async throws(StageFailure) {
        guard !instances.isEmpty else { return }
        let names = Set(instances.map(\.serverName))
        try setWeights(of: service, setup: setup, log: log) { names.contains($0.serverName) ? 0 : $0.weight }
        let deadline = ContinuousClock.now + setup.settings.drainTimeout
        for instance in instances where instance.weight != nil {
            while (setup.haproxy.currentSessions(backend: service.backendName, server: instance.serverName) ?? 0) > 0,
                  ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        for instance in instances {
            await setup.launcher.stop(instance)
            state.instances.removeAll { $0.process == instance.process }
            log("stopped \(service.name) \(instance.serverName) (pid \(instance.process.pid))")
        }
        try save(setup)
        try await ensureHAProxy(setup, log: log)
    }

    /// Stops every instance of `service` and removes its frontend.
    func remove(_ service: ServiceRecord, setup: Setup, log: StageLogger) async throws(StageFailure) {
        try await retire(state.instances(of: service), service: service, setup: setup, log: log)
        state.services[ProcessState.serviceKey(app: service.app, service: service.name)] = nil
        try save(setup)
        try await ensureHAProxy(setup, log: log)
        log("removed service \(service.name) (frontend :\(service.port))")
    }

    /// Sets the weight `weight(instance)` of every instance of `service` that is in HAProxy and needs a change.
    private func setWeights(of service: ServiceRecord, setup: Setup, log: StageLogger,
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
        if !changes.isEmpty { log("\(service.name) weights: \(changes.joined(separator: ", "))") }
    }

    /// Makes HAProxy run and serve the current state (started from the state file when it is dead).
    func ensureHAProxy(_ setup: Setup, log: StageLogger) async throws(StageFailure) {
        let snapshot = state
        let (record, change) = try await setup.haproxy.apply(snapshot)
        state.haproxy = record
        try save(setup)
        if let change { log(change) }
    }
}
