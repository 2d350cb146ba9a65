import CapstanCore
import CapstanPluginKit
import Foundation

/// Taking instances and services away without failing a request: weight 0, drain, stop, reload.
extension ProcessPlugin {
    /// Takes the instances out of traffic, lets their sessions end (up to the drain timeout), stops them,
    /// and removes them from HAProxy. Callers first move any traffic share they carried elsewhere.
    func retire(_ instances: [InstanceRecord], service: ServiceRecord, setup: Setup,
                log: StageLogger) async throws(StageFailure) {
        guard !instances.isEmpty else { return }
        let names = Set(instances.map(\.serverName))
        try setWeights(of: service, setup: setup, log: log) { names.contains($0.serverName) ? 0 : $0.weight }
        let inHAProxy = instances.filter { $0.weight != nil && $0.process.isAlive }
        if !inHAProxy.isEmpty {
            let clock = ContinuousClock()
            let started = clock.now
            let deadline = started + setup.settings.drainTimeout
            var busy: [String] = []
            for instance in inHAProxy {
                while (setup.haproxy.currentSessions(backend: service.backendName, server: instance.serverName) ?? 0) > 0 {
                    guard clock.now < deadline else {
                        busy.append(instance.serverName)
                        break
                    }
                    try? await Task.sleep(for: .milliseconds(50))
                }
            }
            // A worker that a reload replaced still routes the requests it accepted, with its old weights, and
            // the runtime API cannot see its sessions: it must be gone before anything it may route to stops.
            let leaving = await waitForLeavingWorkers(setup.haproxy, until: deadline)
            let waited = "\(Int(((clock.now - started) / .milliseconds(1)).rounded())) ms"
            if !leaving.isEmpty {
                busy.append("HAProxy's previous worker(s) \(leaving.map(String.init).joined(separator: ", "))")
            }
            if busy.isEmpty {
                log("\(service.name): drained \(inHAProxy.count) instance(s) (no session left) in \(waited)")
            } else {
                log("\(service.name): \(busy.joined(separator: ", ")) still had sessions after \(waited); stopping anyway",
                    level: .warning)
            }
        }
        for instance in instances {
            await setup.launcher.stop(instance)
            state.instances.removeAll { $0.process == instance.process }
            log("stopped \(service.name) \(instance.serverName) (pid \(instance.process.pid), port \(instance.port))")
        }
        try save(setup)
        try await ensureHAProxy(setup, log: log)
    }

    /// Waits until no replaced HAProxy worker is left (or `deadline`); returns those still there. A master CLI
    /// that does not answer for a second (HAProxy itself down) leaves no worker to wait for.
    private func waitForLeavingWorkers(_ haproxy: HAProxyController, until deadline: ContinuousClock.Instant) async -> [Int32] {
        let unanswered = ContinuousClock.now + .seconds(1)
        while true {
            let leaving = haproxy.leavingWorkers()
            if leaving == [] || (leaving == nil && ContinuousClock.now >= unanswered) { return [] }
            guard ContinuousClock.now < deadline else { return leaving ?? [] }
            try? await Task.sleep(for: .milliseconds(leaving == nil ? 10 : 50))
        }
    }

    /// Stops every instance of `service` and removes its frontend.
    func remove(_ service: ServiceRecord, setup: Setup, log: StageLogger) async throws(StageFailure) {
        try await retire(state.instances(of: service), service: service, setup: setup, log: log)
        state.services[ProcessState.serviceKey(app: service.app, service: service.name)] = nil
        try save(setup)
        try await ensureHAProxy(setup, log: log)
        log("removed service \(service.name) (frontend :\(service.port))")
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
