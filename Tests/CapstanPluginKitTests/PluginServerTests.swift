import CapstanCore
@testable import CapstanPluginKit
import Foundation
import Synchronization
import Testing

/// A Swift plugin for the SDK's tests.
actor FakePlatform: PlatformPlugin {
    struct Broken: Error, CustomStringConvertible {
        var description: String { "the disk is full" }
    }

    private(set) var initialized: InitializeParams?
    private(set) var stopped = false
    private(set) var finished: [FinishDeploymentParams] = []

    func finishDeployment(_ params: FinishDeploymentParams) async throws { finished.append(params) }

    func initialize(_ params: InitializeParams) async throws { initialized = params }

    func capabilities() async throws -> Capabilities { Capabilities(stages: [.sync], liveState: true) }

    func liveState(_ params: LiveStateParams) async throws -> LiveState {
        LiveState(app: params.app, resources: [LiveResource(kind: "K", name: params.app, replicas: 1, readyReplicas: 1, health: .healthy)])
    }

    func executeStage(_ params: ExecuteStageParams, log: StageLogger) async throws -> ExecuteStageResult {
        log("applying \(params.manifests.count) manifest(s)")
        if params.options["throw"] != nil { throw Broken() }
        if params.options["refuse"] != nil { throw JSONRPCError(.invalidParams, "options.replicas must be positive") }
        if params.options["block"] != nil { try await Task.sleep(for: .seconds(3600)) }
        return .success("synced")
    }

    func shutdown() async { stopped = true }
}

/// The Swift SDK's dispatch, in process: the lines a host writes in, the lines it reads out.
@Suite struct PluginServerTests {
    let plugin = FakePlatform()
    let output = Output()
    let server: PluginServer<FakePlatform>

    /// Every line the server wrote, in order.
    final class Output: Sendable {
        let lines = Mutex<[String]>([])
    }

    var written: [String] { output.lines.withLock { $0 } }

    init() {
        let output = self.output
        server = PluginServer(plugin: plugin, name: "fake", version: "9.9.9", output: { line in
            output.lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) }
        })
    }

    /// Sends `json` and returns the answer line without its newline.
    func send(_ json: String) async -> String? {
        await server.handle(Data(json.utf8)).map { String(decoding: $0.dropLast(), as: UTF8.self) }
    }

    func initialize(version: String = "1.0") async -> String? {
        await send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"\#(version)","plugin":"fake","target":"local","config":{"n":2},"dataDirectory":"/tmp/d"}}"#)
    }

    @Test func initializeAnswersWhoThePluginIs() async throws {
        #expect(await initialize() == #"{"id":1,"jsonrpc":"2.0","result":{"name":"fake","protocolVersion":"1.0","version":"9.9.9"}}"#)
        let params = try #require(await plugin.initialized)
        #expect(params.config == ["n": .number(2)])
        struct Settings: Decodable, Equatable { var n: Int }
        #expect(try params.config(as: Settings.self) == Settings(n: 2))
    }

    @Test func anotherMajorVersionIsRefusedBeforeAnythingElseIsRead() async {
        // A 2.x host may send other params entirely; the version is checked first.
        let answer = await send(#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2.0","whatever":true}}"#)
        #expect(answer == #"{"error":{"code":-32002,"message":"this plugin speaks protocol 1.0, not 2.0"},"id":1,"jsonrpc":"2.0"}"#)
        #expect(await plugin.initialized == nil)
    }

    @Test func finishDeploymentReachesThePlugin() async throws {
        _ = await initialize()
        let answer = await send(#"{"jsonrpc":"2.0","id":3,"method":"finishDeployment","params":{"deploymentId":"d-1","app":"web","state":"SUCCESS","commit":"\#(String(repeating: "a", count: 40))","rolledBack":false}}"#)
        #expect(answer == #"{"id":3,"jsonrpc":"2.0","result":{}}"#)
        let finished = await plugin.finished
        #expect(finished.map(\.deploymentId) == [DeploymentID(rawValue: "d-1")])
        #expect(finished.first?.state == .success && finished.first?.previousCommit == nil)
    }

    @Test func methodsBeforeInitializeAreRefused() async {
        let answer = await send(#"{"jsonrpc":"2.0","id":2,"method":"capabilities"}"#)
        #expect(answer == #"{"error":{"code":-32001,"message":"capabilities before initialize"},"id":2,"jsonrpc":"2.0"}"#)
    }

    @Test(arguments: [
        ("not json", #"{"error":{"code":-32700,"message":"not a JSON object"},"id":null,"jsonrpc":"2.0"}"#),
        (#"{"id":4,"method":"capabilities"}"#, #"{"error":{"code":-32600,"message":"not a JSON-RPC 2.0 request"},"id":4,"jsonrpc":"2.0"}"#),
        (#"{"jsonrpc":"2.0","id":5,"method":"scale"}"#, #"{"error":{"code":-32601,"message":"fake has no method scale"},"id":5,"jsonrpc":"2.0"}"#),
        (#"{"jsonrpc":"2.0","id":6,"method":"liveState","params":{}}"#, #"{"error":{"code":-32602,"message":"invalid params: missing params.app"},"id":6,"jsonrpc":"2.0"}"#),
        (#"{"jsonrpc":"2.0","id":7,"method":"liveState","params":{"app":3}}"#, #"{"error":{"code":-32602,"message":"invalid params: params.app: Expected to decode String but found number instead."},"id":7,"jsonrpc":"2.0"}"#),
        (#"{"jsonrpc":"2.0","method":"something"}"#, nil),
    ])
    func malformedAndUnknownRequests(request: String, answer: String?) async {
        _ = await initialize()
        #expect(await send(request) == answer)
    }

    @Test func requestsAsTheHostWritesThemGetAnswersTheHostReads() async throws {
        _ = await initialize()
        let live = try WireCoding.line(JSONRPCRequest(id: .number(8), method: PluginMethod.liveState, params: LiveStateParams(app: "checkout")))
        let answer = try #require(await server.handle(live))
        let state = try WireCoding.decoder.decode(JSONRPCResultOnly<LiveState>.self, from: answer).result
        #expect(state.resources.map(\.name) == ["checkout"])

        let capabilities = try WireCoding.line(JSONRPCRequest(id: .number(9), method: PluginMethod.capabilities, params: EmptyMessage()))
        let caps = try WireCoding.decoder.decode(JSONRPCResultOnly<Capabilities>.self, from: #require(await server.handle(capabilities)))
        #expect(caps.result == Capabilities(stages: [.sync], liveState: true))
    }

    func stage(_ options: [String: JSONValue]) throws -> Data {
        let params = ExecuteStageParams(
            deploymentId: DeploymentID(rawValue: "d-9"), app: "checkout", stageIndex: 3, stage: .sync, attempt: 1,
            commit: EchoPlugin.commitA, previousCommit: nil, appDirectory: "/srv", manifests: ["a.yaml": ""],
            options: .object(options))
        return try WireCoding.line(JSONRPCRequest(id: .number(10), method: PluginMethod.executeStage, params: params))
    }

    @Test func executeStageStreamsLogNotificationsAndAnswers() async throws {
        _ = await initialize()
        let answer = try #require(await server.handle(stage([:])))
        #expect(try WireCoding.decoder.decode(JSONRPCResultOnly<ExecuteStageResult>.self, from: answer).result == .success("synced"))
        let notification = try #require(written.first)
        let params = try WireCoding.decoder.decode(JSONRPCParams<StageLogParams>.self, from: Data(notification.utf8)).params
        #expect(params.deploymentId == DeploymentID(rawValue: "d-9"))
        #expect(params.stageIndex == 3)
        #expect(params.line.message == "applying 1 manifest(s)")
        #expect(notification.hasPrefix(#"{"jsonrpc":"2.0","method":"log","params":"#))
    }

    @Test(arguments: [
        ("throw", #"{"error":{"code":-32000,"message":"the disk is full"},"id":10,"jsonrpc":"2.0"}"#),
        ("refuse", #"{"error":{"code":-32602,"message":"options.replicas must be positive"},"id":10,"jsonrpc":"2.0"}"#),
    ])
    func errorsThrownByAStage(option: String, answer: String) async throws {
        _ = await initialize()
        let line = try #require(await server.handle(stage([option: .bool(true)])))
        #expect(String(decoding: line.dropLast(), as: UTF8.self) == answer)
    }

    @Test func serveAnswersConcurrentlyAndStopsAtShutdown() async throws {
        let (lines, input) = AsyncStream.makeStream(of: LineFramer.Event.self)
        async let served: Void = server.serve(lines)
        let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"1.0","plugin":"fake","target":"t","config":{},"dataDirectory":"/tmp"}}"#
        input.yield(.line(Data(initialize.utf8)))
        // A stage that never ends does not hold up the requests behind it.
        input.yield(.line(try stage(["block": .bool(true)])))
        input.yield(.line(Data(#"{"jsonrpc":"2.0","id":11,"method":"capabilities"}"#.utf8)))
        input.yield(.tooLong(bytes: 99))
        #expect(await eventually { written.contains { $0.hasPrefix(#"{"id":11,"jsonrpc":"2.0","result":{"liveState":true"#) } })
        #expect(await eventually { written.contains { $0.contains("applying 1 manifest(s)") } })
        #expect(written.contains(#"{"error":{"code":-32600,"message":"request line of more than 99 bytes, over the limit"},"id":null,"jsonrpc":"2.0"}"# + "\n"))
        // shutdown ends serve() although the input stays open and a stage still runs; the
        // abandoned stage writes nothing after the shutdown answer.
        input.yield(.line(Data(#"{"jsonrpc":"2.0","id":12,"method":"shutdown","params":{}}"#.utf8)))
        await served
        #expect(written.last == #"{"id":12,"jsonrpc":"2.0","result":{}}"# + "\n")
        #expect(!written.contains { $0.contains(#""id":10"#) })
        #expect(await plugin.stopped)
        input.finish()
    }
}
