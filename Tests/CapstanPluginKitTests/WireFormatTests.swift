import CapstanCore
@testable import CapstanPluginKit
import Foundation
import Testing

/// Every message against literal JSON, so that the wire format cannot drift without a test saying so.
@Suite struct WireFormatTests {
    static let commit = "0123456789abcdef0123456789abcdef01234567"

    /// `value` encodes to exactly `json` (the wire encoder sorts keys) and `json` decodes back to `value`.
    func pin<T: Codable & Equatable>(_ value: T, _ json: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let encoded = String(decoding: try WireCoding.encoder.encode(value), as: UTF8.self)
        #expect(encoded == json, sourceLocation: sourceLocation)
        #expect(try WireCoding.decoder.decode(T.self, from: Data(json.utf8)) == value, sourceLocation: sourceLocation)
    }

    func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
        try WireCoding.decoder.decode(type, from: Data(json.utf8))
    }

    @Test func initialize() throws {
        try pin(
            InitializeParams(plugin: "process", target: "local", config: ["haproxy": .string("/usr/sbin/haproxy"), "maxInstances": .number(4)],
                             dataDirectory: "/var/lib/capstan/plugins/process/local"),
            #"{"config":{"haproxy":"/usr/sbin/haproxy","maxInstances":4},"dataDirectory":"/var/lib/capstan/plugins/process/local","plugin":"process","protocolVersion":"1.0","target":"local"}"#)
        try pin(InitializeResult(name: "process", version: "0.1.0"), #"{"name":"process","protocolVersion":"1.0","version":"0.1.0"}"#)
    }

    @Test func capabilities() throws {
        try pin(Capabilities(stages: [.sync, .canaryRollout], liveState: true), #"{"liveState":true,"stages":["SYNC","CANARY_ROLLOUT"]}"#)
        // A newer plugin may list stages this host does not know: they are skipped, not fatal.
        let newer = try decode(Capabilities.self, #"{"stages":["SYNC","SCALE_TO_ZERO"],"liveState":false}"#)
        #expect(newer == Capabilities(stages: [.sync], liveState: false))
    }

    @Test func liveStateParams() throws {
        try pin(LiveStateParams(app: "checkout"), #"{"app":"checkout"}"#)
        try pin(LiveStateParams(app: "checkout", deployedCommit: CommitID(Self.commit)),
                #"{"app":"checkout","deployedCommit":"\#(Self.commit)"}"#)
    }

    @Test func liveState() throws {
        let resource = LiveResource(
            kind: "ProcessService", name: "checkout", variant: .canary, commit: CommitID(Self.commit), replicas: 2,
            readyReplicas: 1, ports: [41001, 41002], health: .progressing, details: "1 of 2 ready",
            manifest: .object(["replicas": .number(2)]))
        try pin(LiveState(app: "checkout", resources: [resource]),
                #"{"app":"checkout","resources":[{"commit":"\#(Self.commit)","details":"1 of 2 ready","health":"progressing","kind":"ProcessService","manifest":{"replicas":2},"name":"checkout","ports":[41001,41002],"readyReplicas":1,"replicas":2,"variant":"canary"}]}"#)
        // The smallest resource a plugin may send: variant defaults to primary, ports to none.
        let minimal = try decode(LiveResource.self, #"{"kind":"K","name":"n","replicas":0,"readyReplicas":0,"health":"missing"}"#)
        #expect(minimal == LiveResource(kind: "K", name: "n", replicas: 0, readyReplicas: 0, health: .missing))
    }

    @Test(arguments: [
        ([ResourceHealth](), ResourceHealth.missing),
        ([.healthy, .healthy], .healthy),
        ([.healthy, .progressing], .progressing),
        ([.degraded, .progressing, .healthy], .degraded),
    ])
    func overallHealthIsTheWorst(healths: [ResourceHealth], overall: ResourceHealth) {
        let resources = healths.map { LiveResource(kind: "K", name: "n", replicas: 1, readyReplicas: 1, health: $0) }
        #expect(LiveState(app: "a", resources: resources).health == overall)
    }

    @Test func executeStageParams() throws {
        let params = ExecuteStageParams(
            deploymentId: DeploymentID(rawValue: "d-5f0c2a9e41b7"), app: "checkout", stageIndex: 1, stage: .trafficRouting,
            attempt: 2, commit: CommitID(Self.commit)!, previousCommit: nil, appDirectory: "/srv/capstan/work/checkout",
            manifests: ["service.yaml": "kind: ProcessService\nname: checkout\n"],
            options: StageOptions.trafficRouting(TrafficWeights(primary: 90, canary: 10)).json)
        try pin(params,
                #"{"app":"checkout","appDirectory":"/srv/capstan/work/checkout","attempt":2,"commit":"\#(Self.commit)","deploymentId":"d-5f0c2a9e41b7","manifests":{"service.yaml":"kind: ProcessService\nname: checkout\n"},"options":{"baseline":0,"canary":10,"primary":90},"stage":"TRAFFIC_ROUTING","stageIndex":1}"#)
        struct Weights: Decodable, Equatable { var primary: Int, canary: Int }
        #expect(try params.options(as: Weights.self) == Weights(primary: 90, canary: 10))
    }

    /// The options of the stages that reach plugins, as docs/plugins.md documents them.
    @Test(arguments: [
        (StageOptions.none, #"{}"#),
        (.rollout(replicas: .count(2)), #"{"replicas":2}"#),
        (.rollout(replicas: .percent(50)), #"{"replicas":"50%"}"#),
        (.trafficRouting(TrafficWeights(primary: 0, canary: 100)), #"{"baseline":0,"canary":100,"primary":0}"#),
    ])
    func platformStageOptions(options: StageOptions, json: String) throws {
        #expect(String(decoding: try WireCoding.encoder.encode(options.json), as: UTF8.self) == json)
    }

    @Test func executeStageResult() throws {
        let time = Date(timeIntervalSince1970: 1_735_787_045.5)
        try pin(ExecuteStageResult.success("2 instances ready", logs: [LogLine(time: time, "started 2 instances")]),
                #"{"logs":[{"level":"info","message":"started 2 instances","time":"2025-01-02T03:04:05.500Z"}],"reason":"2 instances ready","status":"success"}"#)
        try pin(ExecuteStageResult.failure("port 8080 is taken"), #"{"logs":[],"reason":"port 8080 is taken","status":"failure"}"#)
        #expect(try decode(ExecuteStageResult.self, #"{"status":"failure"}"#) == ExecuteStageResult(status: .failure))
    }

    @Test(arguments: [
        "2025-01-02T03:04:05.500Z", "2025-01-02T03:04:05.5Z", "2025-01-02T03:04:05.500000Z", "2025-01-02T05:04:05.500+02:00",
    ])
    func logLineTimesInTheFormsOtherLanguagesWrite(time: String) throws {
        let line = try decode(LogLine.self, #"{"time":"\#(time)","message":"m"}"#)
        #expect(line == LogLine(time: Date(timeIntervalSince1970: 1_735_787_045.5), level: .info, "m"))
    }

    @Test func logNotification() throws {
        let params = StageLogParams(deploymentId: DeploymentID(rawValue: "d-1"), stageIndex: 0,
                                    line: LogLine(time: Date(timeIntervalSince1970: 0), level: .warning, "slow"))
        let line = try WireCoding.line(JSONRPCRequest(id: nil, method: PluginMethod.log, params: params))
        #expect(String(decoding: line, as: UTF8.self)
            == #"{"jsonrpc":"2.0","method":"log","params":{"deploymentId":"d-1","line":{"level":"warning","message":"slow","time":"1970-01-01T00:00:00.000Z"},"stageIndex":0}}"# + "\n")
    }

    @Test func requestsAndResponses() throws {
        let request = try WireCoding.line(JSONRPCRequest(id: .number(7), method: "capabilities", params: EmptyMessage()))
        #expect(String(decoding: request, as: UTF8.self) == #"{"id":7,"jsonrpc":"2.0","method":"capabilities","params":{}}"# + "\n")
        let result = try WireCoding.line(JSONRPCResult(id: .string("a"), result: EmptyMessage()))
        #expect(String(decoding: result, as: UTF8.self) == #"{"id":"a","jsonrpc":"2.0","result":{}}"# + "\n")
        let error = try WireCoding.line(JSONRPCErrorResponse(id: nil, error: JSONRPCError(.parseError, "not JSON")))
        #expect(String(decoding: error, as: UTF8.self) == #"{"error":{"code":-32700,"message":"not JSON"},"id":null,"jsonrpc":"2.0"}"# + "\n")
    }
}
