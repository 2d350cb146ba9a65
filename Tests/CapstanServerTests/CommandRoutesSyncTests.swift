import CapstanCore
import CapstanServer
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Sync, approve and skip-stage on a server without tokens: from this machine, the actor is
/// `api@<address>` and it holds every role; their errors are those of the other commands.
@Suite struct CommandRoutesSyncTests {
    static let json: HTTPFields = [.contentType: "application/json"]
    static let allRoles: Set<String> = ["viewer", "deployer", "approver", "admin"]

    /// The API without auth, with both ports; in router mode the peer is 127.0.0.1.
    static func withAPI<Value: Sendable>(_ transport: Transport, commands: (any DeploymentCommands)? = nil,
                                         syncCommands: (any SyncCommands)? = nil,
                                         _ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        var logger = Logger(label: "capstan-command-test")
        logger.logLevel = .critical
        let router = Router(context: CapstanRequestContext.self, options: [.autoGenerateHeadEndpoints])
        if transport == .router {
            router.add(middleware: PosingPeer(address: try SocketAddress(ipAddress: "127.0.0.1", port: 50_000)))
        }
        CapstanAPI.add(to: router, store: try await Seed.store(), commands: commands, syncCommands: syncCommands)
        return try await Hummingbird.Application(router: router, logger: logger).test(transport.setup, body)
    }

    static let bodies: [(body: String?, commit: String?)] = [
        (nil, nil), ("{}", nil), (#"{"commit": null}"#, nil), (#"{"commit": "4f2a9c1"}"#, "4f2a9c1"),
        (#"{"commit": "release-1.2"}"#, "release-1.2"),
    ]

    @Test(arguments: Transport.allCases, bodies)
    func syncIsForwardedAndAnswered202(_ transport: Transport, request: (body: String?, commit: String?)) async throws {
        let sync = RecordingSync()
        try await Self.withAPI(transport, syncCommands: sync) { client in
            let response = try await client.execute(uri: "/api/v1/apps/checkout/sync", method: .post, headers: Self.json,
                                                    body: request.body.map { ByteBuffer(string: $0) })
            #expect(response.status == .accepted)
            let deployment: DeploymentView = try response.decoded()
            #expect(deployment.app == "checkout" && deployment.state == .pending)
        }
        #expect(await sync.calls == [.sync(app: "checkout", commit: request.commit, by: "api@127.0.0.1")])
    }

    static let syncRefusals: [(uri: String, body: String?, status: HTTPResponse.Status, message: String)] = [
        ("/api/v1/apps/nope/sync", nil, .notFound, "no application nope"),
        ("/api/v1/apps/checkout/sync", #"{"commit": ""}"#, .badRequest, "commit must be a commit id, branch or tag, not \"\""),
        ("/api/v1/apps/checkout/sync", #"{"commit": 42}"#, .badRequest, "commit must be a commit id, branch or tag, not 42"),
        ("/api/v1/apps/checkout/sync", "[]", .badRequest, #"body must be a JSON object such as {"commit": "4f2a9c1"}, not []"#),
    ]

    @Test(arguments: Transport.allCases, syncRefusals)
    func syncIsRefusedFor404And400(_ transport: Transport, refusal: (uri: String, body: String?, status: HTTPResponse.Status, message: String))
        async throws {
        try await Self.withAPI(transport, syncCommands: RecordingSync()) { client in
            let response = try await client.execute(uri: refusal.uri, method: .post, headers: Self.json,
                                                    body: refusal.body.map { ByteBuffer(string: $0) })
            #expect(response.status == refusal.status)
            #expect(try response.apiError.message == refusal.message)
        }
    }

    @Test(arguments: Transport.allCases)
    func syncErrorsFromThePortAreMappedLikeTheOthers(_ transport: Transport) async throws {
        let cases: [(StoreError, HTTPResponse.Status)] = [
            (.conflict("checkout is already deploying d-0004"), .conflict), (.unavailable("disk I/O error"), .serviceUnavailable),
        ]
        for (error, status) in cases {
            try await Self.withAPI(transport, syncCommands: RecordingSync(failure: error)) { client in
                let response = try await client.execute(uri: "/api/v1/apps/checkout/sync", method: .post)
                #expect(response.status == status)
            }
        }
    }

    @Test(arguments: Transport.allCases)
    func withoutSyncCommandsSyncIs503(_ transport: Transport) async throws {
        try await Self.withAPI(transport, commands: RecordingCommands()) { client in
            let response = try await client.execute(uri: "/api/v1/apps/checkout/sync", method: .post)
            #expect(response.status == .serviceUnavailable)
            #expect(try response.apiError.code == "commands_unavailable")
        }
    }

    @Test(arguments: Transport.allCases)
    func approveAndSkipStageAreForwardedWithEveryRole(_ transport: Transport) async throws {
        let commands = RecordingCommands()
        try await Self.withAPI(transport, commands: commands) { client in
            for command in ["approve", "skip-stage"] {
                let response = try await client.execute(uri: "/api/v1/deployments/d-0004/\(command)", method: .post)
                #expect(response.status == .accepted)
            }
            let ended = try await client.execute(uri: "/api/v1/deployments/d-0001/skip-stage", method: .post)
            #expect(ended.status == .conflict)
            let unknown = try await client.execute(uri: "/api/v1/deployments/d-nope/approve", method: .post)
            #expect(try unknown.apiError == .init(code: "not_found", message: "no deployment d-nope"))
        }
        #expect(await commands.calls == [
            .approve(Seed.running, by: "api@127.0.0.1", roles: Self.allRoles), .skipStage(Seed.running, by: "api@127.0.0.1", roles: Self.allRoles),
            .skipStage(DeploymentID(rawValue: "d-0001"), by: "api@127.0.0.1", roles: Self.allRoles),
            .approve(DeploymentID(rawValue: "d-nope"), by: "api@127.0.0.1", roles: Self.allRoles),
        ])
    }

    @Test(arguments: Transport.allCases)
    func aForbiddenApprovalIs403WithTheEnginesMessage(_ transport: Transport) async throws {
        let message = "api@127.0.0.1 is not among the approvers of stage 1: alice"
        try await Self.withAPI(transport, commands: RecordingCommands(failure: CommandError.forbidden(message))) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/approve", method: .post)
            #expect(response.status == .forbidden)
            #expect(try response.apiError == .init(code: "forbidden", message: message))
        }
    }

    static let wrongMethods: [(method: HTTPRequest.Method, uri: String)] = [
        (.get, "/api/v1/apps/checkout/sync"), (.put, "/api/v1/deployments/d-0004/approve"),
        (.get, "/api/v1/deployments/d-0004/skip-stage"),
    ]

    @Test(arguments: Transport.allCases, wrongMethods)
    func otherMethodsOnTheNewRoutesAre405(_ transport: Transport, request: (method: HTTPRequest.Method, uri: String))
        async throws {
        try await Self.withAPI(transport, commands: RecordingCommands(), syncCommands: RecordingSync()) { client in
            let response = try await client.execute(uri: request.uri, method: request.method)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "POST")
        }
    }
}
