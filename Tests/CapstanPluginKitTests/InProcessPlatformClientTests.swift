import CapstanCore
import CapstanPluginKit
import Foundation
import Synchronization
import Testing

/// A Swift plugin behind the same PlatformClient port as a plugin process, without the process.
@Suite struct InProcessPlatformClientTests {
    let plugin = FakePlatform()
    let logged = LoggedLines()
    let client: InProcessPlatformClient<FakePlatform>

    final class LoggedLines: Sendable {
        let lines = Mutex<[StageLogParams]>([])
    }

    init() {
        let logged = self.logged
        client = InProcessPlatformClient(
            plugin, name: "fake", initialize: InitializeParams(plugin: "fake", target: "local", dataDirectory: "/tmp"),
            stageLog: { line in logged.lines.withLock { $0.append(line) } })
    }

    func stage(_ options: [String: JSONValue] = [:]) -> ExecuteStageParams {
        EchoPlugin.stage(options: options)
    }

    @Test func theFirstCallInitializes() async throws {
        let state = try await client.liveState(app: "checkout", deployedCommit: nil)
        #expect(state.resources.map(\.name) == ["checkout"])
        #expect(await plugin.initialized?.target == "local")
    }

    @Test func stagesReportTheirResultAndLog() async throws {
        #expect(try await client.executeStage(stage(), timeout: nil) == .success("synced"))
        #expect(logged.lines.withLock { $0.map(\.line.message) } == ["applying 1 manifest(s)"])
    }

    @Test func aThrownErrorIsTheStagesFailureButARefusalIsAnError() async throws {
        #expect(try await client.executeStage(stage(["throw": .bool(true)]), timeout: nil) == .failure("the disk is full"))
        let refusal = await pluginError { try await client.executeStage(stage(["refuse": .bool(true)]), timeout: nil) }
        #expect(refusal?.code == .remoteError)
        #expect(refusal?.rpcError?.code == -32602)
    }

    @Test func shutdownStopsThePluginAndLaterCallsAreRefused() async throws {
        _ = try await client.capabilities()
        await client.shutdown()
        #expect(await plugin.stopped)
        let error = await pluginError { try await client.capabilities() }
        #expect(error?.code == .shutDown)
    }
}
