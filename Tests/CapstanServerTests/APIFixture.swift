import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// How a test reaches the API: straight into the router, or over a real socket on loopback.
enum Transport: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case router, live

    var setup: TestingSetup { self == .router ? .router : .live }
    var testDescription: String { rawValue }
}

/// A store seeded with three apps, four deployments (one with stages and an approval) and their events.
enum Seed {
    /// 2025-03-01T12:00:00.250000Z
    static let t0 = Date(timeIntervalSince1970: 1_740_830_400.25)
    static func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
    static func commit(_ digit: Character) -> CommitID { CommitID(String(repeating: digit, count: 40))! }

    static let apps = [
        AppRecord(name: "checkout", repository: "platform", configPath: "apps/checkout/capstan.yaml", status: .outOfSync,
                  lastDeployedCommit: commit("a"), summary: "1 of 2 replicas at aaaaaaa",
                  diff: "--- desired\n+++ live\n-replicas: 2\n+replicas: 1", updatedAt: at(200)),
        AppRecord(name: "billing", repository: "platform", configPath: "apps/billing/capstan.yaml", status: .synced,
                  lastDeployedCommit: commit("b"), summary: "2 of 2 replicas at bbbbbbb", diff: "", updatedAt: at(100)),
        AppRecord(name: "search", repository: "search-repo", configPath: "capstan.yaml", updatedAt: at(10)),
    ]

    static let deployments = [
        Deployment(id: DeploymentID(rawValue: "d-0001"), app: "checkout", commit: commit("a"), previousCommit: nil,
                   trigger: .commit, strategy: .quick, state: .success, createdAt: at(0), updatedAt: at(20)),
        Deployment(id: DeploymentID(rawValue: "d-0002"), app: "billing", commit: commit("b"), previousCommit: nil,
                   trigger: .manual, strategy: .quick, state: .success, createdAt: at(30), updatedAt: at(40)),
        Deployment(id: DeploymentID(rawValue: "d-0003"), app: "checkout", commit: commit("c"), previousCommit: commit("a"),
                   trigger: .commit, strategy: .pipeline, state: .failure, reason: "ANALYSIS failed: error-rate 3.2 > 0.5",
                   createdAt: at(60), updatedAt: at(90)),
        Deployment(id: DeploymentID(rawValue: "d-0004"), app: "checkout", commit: commit("d"), previousCommit: commit("a"),
                   trigger: .commit, strategy: .pipeline, state: .running, createdAt: at(120), updatedAt: at(150)),
    ]

    static let running = DeploymentID(rawValue: "d-0004")
    static let stages = [
        StageRecord(deployment: running, index: 0, kind: .canaryRollout,
                    options: StageOptions.rollout(replicas: .count(1)).json, state: .success, attempts: 1,
                    startedAt: at(121), finishedAt: at(130)),
        StageRecord(deployment: running, index: 1, kind: .waitApproval, state: .running, attempts: 1, startedAt: at(131)),
        StageRecord(deployment: running, index: 2, kind: .primaryRollout),
    ]

    /// A store holding the records above and 3 events per deployment (12 in all), interleaved.
    static func store() async throws -> MemoryDeploymentStore {
        let store = MemoryDeploymentStore()
        try await store.write(apps.map { .upsertApp($0) }, events: [])
        for deployment in deployments {
            let stages = deployment.id == running ? Self.stages : []
            try await store.write([.insertDeployment(deployment, stages: stages)], events: [
                NewEvent(kind: .deploymentCreated, at: deployment.createdAt, app: deployment.app, deployment: deployment.id,
                         message: "\(deployment.id) created for \(deployment.commit.short)"),
            ])
        }
        for deployment in deployments {
            try await store.write([], events: [
                NewEvent(kind: .deploymentStateChanged, at: deployment.updatedAt, app: deployment.app,
                         deployment: deployment.id, message: "\(deployment.id) is RUNNING", data: ["state": "RUNNING"]),
                NewEvent(kind: .stageLog, at: deployment.updatedAt, app: deployment.app, deployment: deployment.id,
                         stageIndex: 0, message: "log line of \(deployment.id)"),
            ])
        }
        try await store.write([.insertApproval(Approval(deployment: running, stageIndex: 1, approver: "alice", at: at(140)))],
                              events: [])
        return store
    }

    /// Runs `body` against the API over `transport`, with a freshly seeded store unless one is given.
    static func withAPI<Value: Sendable>(
        _ transport: Transport, store: (any DeploymentStore)? = nil, commands: (any DeploymentCommands)? = nil,
        peer: Peer = .local, _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        let seeded: any DeploymentStore
        if let store { seeded = store } else { seeded = try await Seed.store() }
        var logger = Logger(label: "capstan-api-test")
        logger.logLevel = .warning
        let router = Router(context: CapstanRequestContext.self, options: [.autoGenerateHeadEndpoints])
        switch (peer, transport) {
        case (.local, .router): router.add(middleware: PosingPeer(address: try SocketAddress(ipAddress: "127.0.0.1", port: 50_000)))
        case (.local, .live): break  // the real connection, from 127.0.0.1
        case (.posingAs(let ip), _): router.add(middleware: PosingPeer(address: try SocketAddress(ipAddress: ip, port: 50_000)))
        case (.unknown, _): router.add(middleware: PosingPeer(address: nil))
        }
        CapstanAPI.add(to: router, store: seeded, commands: commands)
        let app = Hummingbird.Application(router: router, logger: logger)
        return try await app.test(transport.setup, body)
    }
}

/// Who the API sees asking.
enum Peer: Sendable {
    /// This machine: the real loopback connection (live), or 127.0.0.1 set on the context (router).
    case local
    /// Another address, set on the context as a proxy or another host would appear.
    case posingAs(String)
    /// No address at all, as with a context that cannot tell.
    case unknown
}

/// Sets the peer address a request context carries: how a test poses as another host.
struct PosingPeer: RouterMiddleware {
    typealias Context = CapstanRequestContext
    let address: SocketAddress?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        context.remoteAddress = address
        return try await next(request, context)
    }
}

extension TestResponse {
    /// The body decoded as API JSON.
    func decoded<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try APIJSON.decoder().decode(T.self, from: Data(body.readableBytesView))
    }

    /// The body as an untyped JSON value, to check field names.
    var json: JSONValue { get throws { try decoded(JSONValue.self) } }

    /// The error body's code and message.
    var apiError: ErrorBody.Detail { get throws { try decoded(ErrorBody.self).error } }
}

extension JSONValue {
    /// The keys of an object, sorted; empty otherwise.
    var keys: [String] { if case .object(let fields) = self { fields.keys.sorted() } else { [] } }

    subscript(index: Int) -> JSONValue? { if case .array(let items) = self, items.indices.contains(index) { items[index] } else { nil } }
}
