import CapstanCore
import CapstanPluginKit
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The host against a plugin written in another language (Tests/Fixtures/plugins/echo_plugin.py), over real processes.
@Suite struct EchoPluginHostTests {
    let folder: TempDirectory
    let sink = RecordingSink()

    init() throws {
        folder = try TempDirectory()
    }

    func host(config: [String: JSONValue] = [:], callTimeout: Duration = .seconds(5), stageTimeout: Duration = .seconds(5),
              shutdownGrace: Duration = .seconds(2), maxLineBytes: Int = 1 << 20) -> PluginHost {
        PluginHost(EchoPlugin.configuration(in: folder, config: config, callTimeout: callTimeout, stageTimeout: stageTimeout,
                                            shutdownGrace: shutdownGrace, maxLineBytes: maxLineBytes), sink: sink)
    }

    @Test func startsOnFirstCallAndInitializes() async throws {
        let host = host()
        #expect(await host.processID == nil)
        let capabilities = try await host.capabilities()
        #expect(capabilities.stages == StageKind.allCases.filter(\.runsOnPlatform))
        #expect(capabilities.liveState)
        let info = try await host.pluginInfo()
        #expect(info == InitializeResult(protocolVersion: ProtocolVersion(major: 1, minor: 0), name: "echo", version: "0.1.0"))
        #expect(await host.processID != nil)
        await host.shutdown()
    }

    @Test func childStartsWithNoBlockedSignalsInItsOwnProcessGroup() async throws {
        let host = host()
        try await host.capabilities()
        let pid = try #require(await host.processID)
        #expect(try procStatus(pid, "SigBlk") == "0000000000000000")
        #expect(getpgid(pid) == pid)
        await host.shutdown()
    }

    @Test func liveStateReportsWhatWasDeployed() async throws {
        let host = host()
        let before = try await host.liveState(app: "checkout")
        #expect(before == LiveState(app: "checkout"))
        #expect(before.health == .missing)
        _ = try await host.executeStage(EchoPlugin.stage())
        let after = try await host.liveState(app: "checkout", deployedCommit: EchoPlugin.commitA)
        #expect(after.resources == [LiveResource(
            kind: "EchoService", name: "checkout", variant: .primary, commit: EchoPlugin.commitA, replicas: 1,
            readyReplicas: 1, ports: [], health: .healthy, details: "echo keeps nothing running")])
        #expect(after.health == .healthy)
        await host.shutdown()
    }

    @Test func executeStageSucceedsAndStreamsLogNotifications() async throws {
        let host = host()
        let result = try await host.executeStage(EchoPlugin.stage(2, .canaryRollout))
        #expect(result.status == .success)
        #expect(result.reason == "CANARY_ROLLOUT done")
        #expect(result.logs.map(\.message) == ["manifests: service.yaml"])
        // The notification precedes the response on the same pipe, so it has been delivered by now.
        let streamed = sink.stageLines
        #expect(streamed.map(\.deploymentId) == [DeploymentID(rawValue: "d-test")])
        #expect(streamed.map(\.stageIndex) == [2])
        #expect(streamed.map(\.line.message) == ["CANARY_ROLLOUT checkout at aaaaaaa"])
        await host.shutdown()
    }

    /// The Python plugin has no `finishDeployment` (-32601): it keeps nothing, so the call succeeds.
    @Test func finishDeploymentOnAPluginWithoutItIsDone() async throws {
        let host = host()
        let commit = try #require(CommitID(String(repeating: "b", count: 40)))
        try await host.finishDeployment(FinishDeploymentParams(
            deploymentId: DeploymentID(rawValue: "d-test"), app: "checkout", state: .success, commit: commit,
            previousCommit: nil, rolledBack: false))
        #expect(await host.processID != nil)
        await host.shutdown()
    }

    @Test func executeStageAgainReportsInsteadOfRedoing() async throws {
        let host = host()
        _ = try await host.executeStage(EchoPlugin.stage(0))
        let again = try await host.executeStage(EchoPlugin.stage(0, attempt: 2))
        #expect(again == .success("already done by attempt 1"))
        await host.shutdown()
    }

    @Test(arguments: [
        (["fail": JSONValue.string("no capacity")], "no capacity"),
        (["error": JSONValue.string("apply refused")], "apply refused"),
    ])
    func executeStageFailures(options: [String: JSONValue], reason: String) async throws {
        let host = host()
        let result = try await host.executeStage(EchoPlugin.stage(options: options))
        #expect(result.status == .failure)
        #expect(result.reason == reason)
        await host.shutdown()
    }

    @Test func crashDuringStageIsAFailureWithStderrAndTheNextCallRestarts() async throws {
        let host = host()
        try await host.capabilities()
        let first = try #require(await host.processID)
        let result = try await host.executeStage(EchoPlugin.stage(options: ["crash": .bool(true)]))
        #expect(result.status == .failure)
        let reason = try #require(result.reason)
        #expect(reason.hasPrefix("plugin echo-test exited with status 1 while running SYNC; last stderr lines:"))
        #expect(reason.contains("echo: crashing on demand during SYNC"))
        #expect(reason.hasSuffix("  echo: last words"))
        #expect(result.logs.last?.message == "echo: last words")
        #expect(!processExists(first))
        #expect(await host.processID == nil)
        #expect(await host.consecutiveFailures == 1)

        let live = try await host.liveState(app: "checkout")
        #expect(live.resources.isEmpty)
        let second = try #require(await host.processID)
        #expect(second != first)
        #expect(await host.consecutiveFailures == 0)
        await host.shutdown()
    }

    @Test func hangHitsTheDeadlineAndThePluginIsKilledAndRestarted() async throws {
        let host = host(stageTimeout: .milliseconds(500))
        try await host.capabilities()
        let first = try #require(await host.processID)
        let error = await pluginError { try await host.executeStage(EchoPlugin.stage(options: ["hang": .bool(true)])) }
        #expect(error?.code == .timeout)
        #expect(error?.message.contains("no answer to executeStage within 0.5 seconds") == true)
        #expect(await eventually { !processExists(first) })

        let result = try await host.executeStage(EchoPlugin.stage(1))
        #expect(result.status == .success)
        let second = try #require(await host.processID)
        #expect(second != first)
        await host.shutdown()
    }

    @Test func aStageCutShortByAnotherCallsDeadlineIsInterruptedNotFailed() async throws {
        // echo serves one request at a time, so a liveState behind a hung stage misses its deadline.
        let host = host(callTimeout: .milliseconds(500))
        try await host.capabilities()
        async let stage = pluginError { try await host.executeStage(EchoPlugin.stage(options: ["hang": .bool(true)])) }
        try await Task.sleep(for: .milliseconds(100))
        let live = await pluginError { try await host.liveState(app: "checkout") }
        #expect(live?.code == .timeout)
        let interrupted = await stage
        #expect(interrupted?.code == .interrupted)
        #expect(interrupted?.message == "was killed by signal 9 (it did not answer liveState within 0.5 seconds)")
        await host.shutdown()
    }

    @Test func strayAndOverlongStdoutLinesAreLoggedAndTheCallStillAnswered() async throws {
        let host = host(maxLineBytes: 1024)
        let result = try await host.executeStage(EchoPlugin.stage(options: ["noise": .number(5000)]))
        #expect(result.status == .success)
        let lines = sink.lines.filter { $0.line.hasPrefix("capstan:") }.map(\.line)
        #expect(lines == [
            "capstan: not a JSON-RPC message on stdout: debug: a stray print",
            "capstan: dropped a stdout line longer than the limit of 1024 bytes",
        ])
        await host.shutdown()
    }

    @Test func deeplyNestedOutputDoesNotTakeTheHostDown() async throws {
        let host = host()
        let result = try await host.executeStage(EchoPlugin.stage(options: ["deep": .number(200_000)]))
        #expect(result.status == .success)
        #expect(sink.lines.contains { $0.line.hasPrefix("capstan: not a JSON-RPC message on stdout: [[[") })
        await host.shutdown()
    }

    @Test func cancellingACallLeavesThePluginRunning() async throws {
        let host = host(shutdownGrace: .milliseconds(300))
        try await host.capabilities()
        let pid = try #require(await host.processID)
        let call = Task { await pluginError { try await host.executeStage(EchoPlugin.stage(options: ["hang": .bool(true)])) } }
        try await Task.sleep(for: .milliseconds(200))
        call.cancel()
        #expect(await call.value?.code == .cancelled)
        #expect(await host.processID == pid)
        #expect(await host.consecutiveFailures == 0)
        // Still busy with the hung stage, it cannot read the shutdown request: SIGTERM ends it.
        await host.shutdown()
        #expect(!processExists(pid))
    }

    @Test func unknownMethodIsMethodNotFound() async throws {
        let host = host()
        let error = await pluginError { try await host.call("frobnicate") }
        #expect(error?.code == .remoteError)
        #expect(error?.rpcError == JSONRPCError(code: -32601, message: "echo has no method frobnicate"))
        // A plugin error is not a crash: the same process answers the next call.
        let pid = await host.processID
        try await host.capabilities()
        #expect(await host.processID == pid)
        await host.shutdown()
    }

    @Test func stderrIsLoggedUnderThePluginName() async throws {
        let host = host()
        try await host.capabilities()
        let pid = try #require(await host.processID)
        #expect(await eventually { sink.lines.contains { $0 == ("echo-test", "echo: initialized for target local") } })
        #expect(sink.lines.first.map { $0 == ("echo-test", "echo: started, pid \(pid)") } == true)
        #expect(await host.recentStderr.contains("echo: started, pid \(pid)"))
        await host.shutdown()
    }

    @Test func shutdownStopsThePluginAndReapsIt() async throws {
        let host = host()
        try await host.capabilities()
        let pid = try #require(await host.processID)
        await host.shutdown()
        // No /proc entry at all: not running, and not a zombie either.
        #expect(!processExists(pid))
        #expect(sink.lines.contains { $0.line == "echo: shutting down" })
        let error = await pluginError { try await host.capabilities() }
        #expect(error?.code == .shutDown)
        await host.shutdown()
    }

    @Test func aPluginThatIgnoresShutdownAndSIGTERMIsKilled() async throws {
        let host = host(config: ["stubborn": .bool(true)], shutdownGrace: .milliseconds(300))
        try await host.capabilities()
        let pid = try #require(await host.processID)
        let started = ContinuousClock.now
        await host.shutdown()
        #expect(ContinuousClock.now - started >= .milliseconds(600))
        #expect(!processExists(pid))
    }

    @Test func anotherMajorProtocolVersionIsRefused() async throws {
        let host = host(config: ["reportVersion": .string("2.0")])
        let error = await pluginError { try await host.capabilities() }
        #expect(error?.code == .incompatibleVersion)
        #expect(error?.message == "it speaks protocol 2.0 and this Capstan speaks 1.0; the major versions must match: upgrade the plugin or Capstan")
        #expect(await host.processID == nil)
        await host.shutdown()
    }

    @Test func concurrentFirstCallsShareOneStart() async throws {
        let host = host()
        try await withThrowingTaskGroup { group in
            for index in 0..<5 {
                group.addTask { _ = try await host.liveState(app: "app-\(index)") }
            }
            try await group.waitForAll()
        }
        #expect(sink.lines.filter { $0.line.hasPrefix("echo: started") }.count == 1)
        await host.shutdown()
    }

    @Test func aMissingExecutableFailsToLaunch() async throws {
        var configuration = EchoPlugin.configuration(in: folder)
        configuration.executable = "/nonexistent/capstan-plugin"
        let host = PluginHost(configuration)
        let error = await pluginError { try await host.capabilities() }
        #expect(error?.code == .launchFailed)
        #expect(error?.message.contains("No such file or directory") == true)
        await host.shutdown()
    }

    @Test func withPluginHostShutsDownWhenTheBodyThrows() async throws {
        struct Boom: Error {}
        let pid = Mutex<Int32?>(nil)
        await #expect(throws: Boom.self) {
            try await PluginHost.withPluginHost(EchoPlugin.configuration(in: folder)) { host in
                try await host.capabilities()
                let running = await host.processID
                pid.withLock { $0 = running }
                throw Boom()
            }
        }
        #expect(try !processExists(#require(pid.withLock { $0 })))
    }
}
