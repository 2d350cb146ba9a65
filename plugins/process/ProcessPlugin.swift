import CapstanCore
import CapstanPluginKit
import Foundation

/// The `process` platform: ProcessServices as detached OS processes behind a real HAProxy.
///
/// Everything it starts is recorded in `<dataDir>/state.json`, so a restarted plugin (or server)
/// finds what runs. Stages run one at a time (a second waits for the first); `liveState` answers
/// while a stage runs.
actor ProcessPlugin: PlatformPlugin {
    /// The plugin's own version, for `initialize`.
    static let version = "0.1.0"

    var state = ProcessState()
    var setup: Setup?
    /// Applications with a stage running now: their resources are reported as progressing.
    var appsInStage: Set<String> = []
    private var stageBusy = false
    /// Why the supervisor last failed to start HAProxy again: said once, not every second.
    var supervisionFailure: String?
    private var stageWaiters: [CheckedContinuation<Void, Never>] = []

    /// What `initialize` fixed: where things live and how patient to be.
    struct Setup: Sendable {
        let settings: PluginSettings
        let store: StateStore
        let haproxy: HAProxyController
        let launcher: InstanceLauncher
    }

    init() {}

    func initialize(_ params: InitializeParams) async throws {
        let settings: PluginSettings
        do {
            settings = try PluginSettings(params.config)
        } catch {
            throw JSONRPCError(.invalidParams, error.description)
        }
        try FileManager.default.createDirectory(atPath: params.dataDirectory, withIntermediateDirectories: true)
        let store = StateStore(dataDirectory: params.dataDirectory)
        state = try store.load()
        setup = Setup(
            settings: settings, store: store,
            haproxy: HAProxyController(executable: settings.haproxy, dataDirectory: params.dataDirectory,
                                       metricsPort: settings.metricsPort),
            launcher: InstanceLauncher(dataDirectory: params.dataDirectory, stopGrace: settings.stopGrace))
        PluginLog.write("process: target \(params.target), data in \(params.dataDirectory), "
            + "\(state.instances.count) instance(s) on record")
    }

    /// Every platform stage it runs.
    static let stages: [StageKind] = [.sync, .canaryRollout, .baselineRollout, .trafficRouting, .primaryRollout,
                                      .canaryClean, .baselineClean, .rollback]

    func capabilities() async throws -> Capabilities {
        Capabilities(stages: Self.stages, liveState: true)
    }

    func liveState(_ params: LiveStateParams) async throws -> LiveState {
        LiveStateReport.build(app: params.app, state: state, inStage: appsInStage.contains(params.app))
    }

    func executeStage(_ params: ExecuteStageParams, log: StageLogger) async throws -> ExecuteStageResult {
        guard let setup else { throw JSONRPCError(.notInitialized, "executeStage before initialize") }
        guard Self.stages.contains(params.stage) else {
            throw JSONRPCError(.invalidParams, "the process platform does not run \(params.stage.rawValue)")
        }
        await acquireStageSlot()
        PluginCrashPoint.hit("before-stage:\(params.stage.rawValue)", dataDirectory: setup.store.dataDirectory)
        appsInStage.insert(params.app)
        defer {
            appsInStage.remove(params.app)
            releaseStageSlot()
        }
        let key = "\(params.deploymentId.rawValue)#\(params.stageIndex)"
        if let reason = state.completedStages[key] {
            log("\(params.stage.rawValue) already completed (attempt \(params.attempt)): \(reason)")
            return .success(reason)
        }
        PluginLog.write("process: \(params.stage.rawValue) \(params.app) at \(params.commit.short), attempt \(params.attempt)")
        do {
            try await ensureHAProxy(setup, log: log)
            try await releaseLeftovers(app: params.app, deployment: params.deploymentId, setup: setup, log: log)
            let reason = try await run(params, setup: setup, log: log)
            PluginCrashPoint.hit("after-stage:\(params.stage.rawValue)", dataDirectory: setup.store.dataDirectory)
            state.completedStages[key] = reason
            try save(setup)
            return .success(reason)
        } catch {
            PluginLog.write("process: \(params.stage.rawValue) \(params.app) failed: \(error)")
            log(error.description, level: .error)
            return .failure(error.description)
        }
    }

    /// Runs the stage itself; `executeStage` admits only ``stages``, so `default` is SYNC.
    private func run(_ params: ExecuteStageParams, setup: Setup, log: StageLogger) async throws(StageFailure) -> String {
        switch params.stage {
        case .canaryRollout: try await canaryRollout(params, setup: setup, log: log)
        case .baselineRollout: try await baselineRollout(params, setup: setup, log: log)
        case .trafficRouting: try await trafficRouting(params, setup: setup, log: log)
        case .primaryRollout: try await primaryRollout(params, setup: setup, log: log)
        case .canaryClean: try await clean(.canary, params, setup: setup, log: log)
        case .baselineClean: try await clean(.baseline, params, setup: setup, log: log)
        case .rollback: try await rollback(params, setup: setup, log: log)
        default: try await sync(params, setup: setup, log: log)
        }
    }

    func shutdown() async {
        // Nothing to stop: instances and HAProxy are detached and keep serving.
        PluginLog.write("process: shutting down; \(state.instances.count) instance(s) keep running")
    }

    /// Writes the state file; a stage that cannot record what it did fails.
    func save(_ setup: Setup) throws(StageFailure) {
        do {
            try setup.store.save(state)
        } catch {
            throw StageFailure("cannot write \(setup.store.path): \(error)")
        }
    }

    /// Stages (and finishDeployment) run one at a time: the second waits for the first.
    func acquireStageSlot() async {
        guard stageBusy else {
            stageBusy = true
            return
        }
        await withCheckedContinuation { stageWaiters.append($0) }
    }

    func releaseStageSlot() {
        if stageWaiters.isEmpty {
            stageBusy = false
        } else {
            stageWaiters.removeFirst().resume()
        }
    }
}
