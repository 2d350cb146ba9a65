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

    /// All traffic back to `previousCommit`: the previous primary's instances that PRIMARY_ROLLOUT kept are
    /// reused (one weight switch), missing ones start from the previous checkout; canary and baseline stop.
    func rollback(_ params: ExecuteStageParams, setup: Setup, log: StageLogger) async throws(StageFailure) -> String {
        guard let previous = params.previousCommit else {
            try await ensureHAProxy(setup, log: log)
            for service in state.services(of: params.app) { try await remove(service, setup: setup, log: log) }
            return "nothing was deployed before: stopped everything of \(params.app)"
        }
        let directory = Self.checkout(of: previous, besides: params.appDirectory)
        let manifests = try ServiceSpec.readManifests(paths: params.manifests.keys, in: directory)
        let specs = try ServiceSpec.decode(manifests)
        log("rolling back \(params.app) to \(previous.short)")
        return try await converge(app: params.app, specs: specs, commit: previous, directory: directory,
                                  setup: setup, log: log)
    }

    /// The engine keeps another commit's checkout beside this one: `<root>/<app>/<commit hex>`.
    static func checkout(of commit: CommitID, besides appDirectory: String) -> String {
        URL(fileURLWithPath: appDirectory).deletingLastPathComponent().appendingPathComponent(commit.hex).path
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
        // The previous primary kept by PRIMARY_ROLLOUT is exactly what a rollback wants: reuse it.
        let kept = state.instances.indices.filter { index in
            let instance = state.instances[index]
            return instance.app == app && instance.service == spec.name && instance.variant == .primary
                && instance.commit == commit && instance.keptBy != nil && instance.process.isAlive
        }
        if !kept.isEmpty {
            let pids = kept.map { String(state.instances[$0].process.pid) }.joined(separator: ", ")
            log("\(spec.name): reusing \(kept.count) kept instance(s) of \(commit.short) (pids \(pids)); nothing to start")
            for index in kept { state.instances[index].keptBy = nil }
        }
        try await rollOutVariant(.primary, app: app, spec: spec, commit: commit, directory: directory,
                                 replicas: spec.replicas, setup: setup, log: log)

        // Primary alone, at this commit, with all the traffic; then everything else goes.
        guard var service = state.services[key] else { throw StageFailure("\(spec.name) vanished from the state") }
        service.variants = [:]
        service[.primary] = VariantRecord(commit: commit, spec: spec)
        service.traffic = nil
        service.retiredBy = nil
        state.services[key] = service
        try save(setup)
        try applyTraffic(to: service, strict: true, setup: setup, log: log)
        let others = state.instances(of: service).filter { $0.variant != .primary || $0.commit != commit || $0.keptBy != nil }
        try await retire(others, service: service, setup: setup, log: log)
    }
}
