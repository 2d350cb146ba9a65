import CapstanCore
import CapstanEngine
import CapstanPluginKit
import CapstanStore
import Foundation
import Synchronization

/// The real parts of a controller, wired as `capstan serve` wires them: a ``DeploymentRunner`` on a
/// ``SQLiteDeploymentStore`` file, its platform a ``PluginHost`` running `capstan-plugin-null`.
final class StageOverheadFixture: Sendable {
    let folder: URL
    let store: SQLiteDeploymentStore
    let host: PluginHost
    let platform: StageMarks
    let runner: DeploymentRunner
    let app: DiscoveredApp
    let context: DeploymentContext
    /// The last commit deployed; each deployment gets the next.
    private let commits = Mutex(0)

    /// The null plugin, expected beside `capstan-bench` (both build into `.build/release`).
    static func pluginExecutable() throws -> URL {
        let folder = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath().deletingLastPathComponent()
        let plugin = folder.appendingPathComponent("capstan-plugin-null")
        guard FileManager.default.isExecutableFile(atPath: plugin.path) else {
            throw BenchError("no null plugin at \(plugin.path); build it first: swift build -c release --product capstan-plugin-null")
        }
        return plugin
    }

    init(pipeline: [StageSpec], manifest: String) throws {
        let url = try SQLiteDeploymentStore.temporaryURL(inMemory: false)
        folder = url.deletingLastPathComponent()
        store = try SQLiteDeploymentStore.open(at: url)
        host = PluginHost(PluginHost.Configuration(
            name: "null", executable: try Self.pluginExecutable().path, target: "local",
            dataDirectory: folder.appendingPathComponent("plugins/null").path))
        platform = StageMarks(host)
        let spec = Application(name: "web", target: "local", manifests: ["service.yaml"], strategy: .pipeline,
                               pipeline: pipeline)
        app = DiscoveredApp(spec: spec, configPath: "apps/web/capstan.yaml")
        context = DeploymentContext(app: app, appDirectory: folder.appendingPathComponent("checkouts/web").path,
                                    manifests: ["service.yaml": manifest])
        runner = DeploymentRunner(store: store, loader: FixedContextLoader(context: context),
                                  platforms: ["local": platform])
    }

    /// Records a PENDING deployment of the next commit, as the reconciler does (not timed).
    func create() async throws -> DeploymentID {
        let (previous, next) = commits.withLock { last in
            last += 1
            return (Self.commit(last - 1), Self.commit(last))
        }
        let now = Date()
        let deployment = Deployment(id: .random(), app: app.spec.name, commit: next, previousCommit: previous,
                                    trigger: .commit, strategy: .pipeline, createdAt: now)
        let (_, created) = DeploymentMachine.create(
            deployment, pipeline: Planner.stageSpecs(for: app.spec, strategy: .pipeline), autoRollback: app.spec.rollback.auto)
        let record = AppRecord(name: app.spec.name, repository: "apps", configPath: app.configPath, status: .deploying,
                               lastDeployedCommit: previous, updatedAt: now)
        try await store.write(created.changes + [.upsertApp(record)], events: created.events)
        return deployment.id
    }

    /// The `executeStage` params the runner sends for stage `index` of a deployment.
    func params(_ deployment: DeploymentID, stage index: Int) -> ExecuteStageParams {
        let spec = app.spec.pipeline[index]
        return ExecuteStageParams(
            deploymentId: deployment, app: app.spec.name, stageIndex: index, stage: spec.kind, attempt: 1,
            commit: Self.commit(2), previousCommit: Self.commit(1), appDirectory: context.appDirectory,
            manifests: context.manifests, options: spec.options.json)
    }

    /// Stops the plugin, closes the store and removes the folder.
    func close() async {
        await host.shutdown()
        try? store.close()
        try? FileManager.default.removeItem(at: folder)
    }

    private static func commit(_ number: Int) -> CommitID {
        let hex = String(number, radix: 16)
        return CommitID(String(repeating: "0", count: 40 - hex.count) + hex)!
    }
}

/// The platform the runner sees: the plugin host, noting when each stage is asked for (and of which kind).
final class StageMarks: StagePlatform {
    let host: PluginHost
    private let marks = Mutex<[(kind: StageKind, at: ContinuousClock.Instant)]>([])

    init(_ host: PluginHost) {
        self.host = host
    }

    func executeStage(_ params: ExecuteStageParams, timeout: Duration?) async throws(PluginError) -> ExecuteStageResult {
        let now = ContinuousClock.now
        marks.withLock { $0.append((params.stage, now)) }
        return try await host.executeStage(params, timeout: timeout)
    }

    func finishDeployment(_ params: FinishDeploymentParams) async throws(PluginError) {
        try await host.finishDeployment(params)
    }

    /// The marks since the last call, oldest first.
    func take() -> [(kind: StageKind, at: ContinuousClock.Instant)] {
        marks.withLock { marks in
            defer { marks.removeAll(keepingCapacity: true) }
            return marks
        }
    }
}

/// The same context for every deployment: what `GitContextLoader` would read, without Git (the loader runs
/// once per deployment, not per stage, and reading Git is measured elsewhere).
struct FixedContextLoader: DeploymentContextLoader {
    let context: DeploymentContext

    func context(for deployment: Deployment) async throws -> DeploymentContext { context }
}
