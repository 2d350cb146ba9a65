import CapstanCore
import CapstanEngine
import CapstanPluginKit
import CapstanTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SCRIPT_RUN with a real `/bin/sh`: output becomes the stage log, the exit status decides, the
/// script's timeout runs on the injected clock and kills it.
@Suite struct ScriptRunStageTests {
    /// A checkout folder that exists, holding one file the scripts can look at.
    struct Checkout: DeploymentContextLoader {
        let app: DiscoveredApp
        let directory: String
        func context(for deployment: Deployment) async throws -> DeploymentContext {
            DeploymentContext(app: app, appDirectory: directory, manifests: ["service.yaml": "kind: x"])
        }
    }

    struct Setup {
        let base: DeploymentRunnerTests.Setup
        let runner: DeploymentRunner
        let folder: URL

        init(_ script: ScriptRunOptions) throws {
            base = try DeploymentRunnerTests.Setup(pipeline: [StageSpec(.scriptRun, options: .scriptRun(script))])
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-script-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("v2\n".utf8).write(to: folder.appendingPathComponent("VERSION"))
            runner = DeploymentRunner(store: base.store, loader: Checkout(app: base.app, directory: folder.path),
                                      platforms: ["local": base.platform], clock: base.clock,
                                      now: { DeploymentRunnerTests.t0 })
        }

        func run() async throws -> (DeploymentState, DeploymentID) {
            let id = try await base.create(strategy: .pipeline)
            return (try await runner.run(id), id)
        }

        func log(_ id: DeploymentID) async throws -> [String] {
            try await base.store.events(after: 0, limit: 1000)
                .filter { $0.kind == .stageLog && $0.deployment == id && $0.stageIndex == 0 }.map(\.message)
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    @Test func outputIsTheStageLogAndExitZeroSucceeds() async throws {
        let setup = try Setup(ScriptRunOptions(run: "echo deploying $(cat VERSION); echo to stderr >&2; printf 'no newline'",
                                               env: ["GREETING": "hi"]))
        defer { setup.remove() }
        let (state, id) = try await setup.run()
        #expect(state == .success)
        #expect(try await setup.log(id) == ["deploying v2", "to stderr", "no newline"])
        #expect(setup.base.platform.calls.isEmpty)  // SCRIPT_RUN runs in the server, not on the platform
    }

    @Test func aNonZeroExitFailsTheStageAndRollsBack() async throws {
        let setup = try Setup(ScriptRunOptions(run: "echo smoke test failed; exit 3"))
        defer { setup.remove() }
        let (state, id) = try await setup.run()
        #expect(state == .failure)
        #expect(try await setup.base.store.deployment(id)?.reason == "stage 0 SCRIPT_RUN failed: script exited with status 3")
        #expect(try await setup.log(id) == ["smoke test failed"])
        #expect(setup.base.platform.calls.map(\.stage) == [.rollback])
    }

    @Test func theScriptSeesItsDeploymentButNotTheServersSecrets() async throws {
        setenv("CAPSTAN_TEST_SERVER_SECRET", "hunter2", 1)
        let setup = try Setup(ScriptRunOptions(
            run: #"echo "$CAPSTAN_APP $CAPSTAN_COMMIT $CAPSTAN_PREVIOUS_COMMIT $CAPSTAN_STAGE_INDEX $GREETING [${CAPSTAN_TEST_SERVER_SECRET:-}]""#,
            env: ["GREETING": "hi"]))
        defer { setup.remove() }
        let (state, id) = try await setup.run()
        #expect(state == .success)
        let v1 = DeploymentRunnerTests.v1.hex, v2 = DeploymentRunnerTests.v2.hex
        #expect(try await setup.log(id) == ["web \(v2) \(v1) 0 hi []"])
    }

    @Test func theTimeoutKillsTheScriptOnTheInjectedClock() async throws {
        let marker = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-script-\(UUID().uuidString)").path
        let setup = try Setup(ScriptRunOptions(run: "echo started; sleep 30; touch \(marker)", timeout: .seconds(600)))
        defer { setup.remove() }
        let id = try await setup.base.create(strategy: .pipeline)
        let run = Task { try await setup.runner.run(id) }
        while setup.base.clock.pendingSleeps != [.seconds(600)] { await Task.yield() }
        while try await setup.log(id).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        setup.base.clock.advance(by: .seconds(600))
        #expect(try await run.value == .failure)
        #expect(try await setup.base.store.deployment(id)?.reason
            == "stage 0 SCRIPT_RUN failed: script timed out after 10m and was killed")
        #expect(try await setup.log(id) == ["started"])
        #expect(!FileManager.default.fileExists(atPath: marker))
    }

    /// The script's own pid is its process group (its own session of work): after the rollback it is gone,
    /// killed rather than left to finish its ten minutes.
    @Test(.timeLimit(.minutes(1))) func aRollbackCutsOffARunningScript() async throws {
        let setup = try Setup(ScriptRunOptions(run: "echo $$; exec sleep 600"))
        defer { setup.remove() }
        let id = try await setup.base.create(strategy: .pipeline)
        let run = Task { try await setup.runner.run(id) }
        while try await setup.log(id).isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        let pid = try #require(Int32(try await setup.log(id)[0]))
        #expect(kill(pid, 0) == 0, "the script runs")
        _ = try await setup.runner.command(id, .rollback(by: "alice"))
        #expect(try await run.value == .failure)
        #expect(kill(pid, 0) == -1 && errno == ESRCH, "the script was killed and reaped")
        #expect(try await setup.base.store.stages(of: id).map(\.state) == [.cancelled, .success])
    }
}
