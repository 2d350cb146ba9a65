import CapstanCore
import CapstanServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// `POST /api/v1/deployments/{id}/rollback|cancel`: forwarded to the engine's port, answered 202 with the
/// deployment as the command left it; every refusal precise and before the command runs.
@Suite struct CommandRoutesTests {
    static let json: HTTPFields = [.contentType: "application/json"]

    @Test(arguments: Transport.allCases)
    func rollbackIsForwardedAndAnswered202WithTheDeployment(_ transport: Transport) async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(transport, commands: commands) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/rollback", method: .post)
            #expect(response.status == .accepted)
            let deployment: DeploymentView = try response.decoded()
            #expect(deployment.id == Seed.running && deployment.state == .rollingBack)
            #expect(deployment.reason == "rolled back by api@127.0.0.1")
            #expect(try response.json.keys == ["app", "commit", "createdAt", "id", "previousCommit", "reason", "state",
                                               "strategy", "trigger", "updatedAt"])
        }
        #expect(await commands.calls == [.rollback(Seed.running, by: "api@127.0.0.1")])
    }

    static let cancelBodies: [(body: String?, rollback: Bool)] = [
        (nil, true), ("", true), (" \n", true), ("{}", true), (#"{"rollback": true}"#, true),
        (#"{"rollback": false}"#, false), (#"{"rollback": null}"#, true), (#"{"rollback": false, "reason": "later"}"#, false),
    ]

    @Test(arguments: Transport.allCases, cancelBodies)
    func cancelRollsBackUnlessTheBodySaysNot(_ transport: Transport, request: (body: String?, rollback: Bool)) async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(transport, commands: commands) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/cancel", method: .post,
                                                    headers: Self.json, body: request.body.map { ByteBuffer(string: $0) })
            #expect(response.status == .accepted)
            let deployment: DeploymentView = try response.decoded()
            #expect(deployment.state == (request.rollback ? .rollingBack : .cancelled))
        }
        #expect(await commands.calls == [.cancel(Seed.running, rollback: request.rollback, by: "api@127.0.0.1")])
    }

    static let refusals: [(uri: String, body: String?, status: HTTPResponse.Status, code: String, message: String)] = [
        ("/api/v1/deployments/d-nope/rollback", nil, .notFound, "not_found", "no deployment d-nope"),
        ("/api/v1/deployments/d-nope/cancel", nil, .notFound, "not_found", "no deployment d-nope"),
        ("/api/v1/deployments/d-0001/rollback", nil, .conflict, "conflict", "deployment is already SUCCESS"),
        ("/api/v1/deployments/d-0003/cancel", "{}", .conflict, "conflict", "deployment is already FAILURE"),
    ]

    @Test(arguments: Transport.allCases, refusals)
    func unknownIs404AndNotApplicableIs409(
        _ transport: Transport, refusal: (uri: String, body: String?, status: HTTPResponse.Status, code: String, message: String)
    ) async throws {
        try await Seed.withAPI(transport, commands: RecordingCommands()) { client in
            let response = try await client.execute(uri: refusal.uri, method: .post, headers: Self.json,
                                                    body: refusal.body.map { ByteBuffer(string: $0) })
            #expect(response.status == refusal.status)
            #expect(try response.apiError == .init(code: refusal.code, message: refusal.message))
        }
    }

    static let badBodies: [(body: String, message: String)] = [
        ("{", "body is not JSON; send nothing, or an object such as {\"rollback\": false}"),
        ("rollback=false", "body is not JSON; send nothing, or an object such as {\"rollback\": false}"),
        ("[false]", "body must be a JSON object such as {\"rollback\": false}, not [false]"),
        ("false", "body must be a JSON object such as {\"rollback\": false}, not false"),
        (#"{"rollback": "no"}"#, "rollback must be true or false, not \"no\""),
        (#"{"rollback": 0}"#, "rollback must be true or false, not 0"),
    ]

    @Test(arguments: Transport.allCases, badBodies)
    func aMalformedBodyIs400AndNothingRuns(_ transport: Transport, bad: (body: String, message: String)) async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(transport, commands: commands) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/cancel", method: .post,
                                                    headers: Self.json, body: ByteBuffer(string: bad.body))
            #expect(response.status == .badRequest)
            #expect(try response.apiError == .init(code: "bad_request", message: bad.message))
        }
        #expect(await commands.calls.isEmpty)
    }

    @Test(arguments: Transport.allCases, ["rollback", "cancel"])
    func aBodyOver64KiBIs413(_ transport: Transport, command: String) async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(transport, commands: commands) { client in
            let big = #"{"rollback": false, "padding": ""# + String(repeating: "x", count: 64 * 1024) + #""}"#
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/\(command)", method: .post,
                                                    headers: Self.json, body: ByteBuffer(string: big))
            #expect(response.status == .contentTooLarge)
            #expect(try response.apiError.code == "payload_too_large")
        }
        #expect(await commands.calls.isEmpty)
    }

    @Test(arguments: Transport.allCases)
    func withoutCommandsTheRoutesAre503(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            for command in ["rollback", "cancel"] {
                let response = try await client.execute(uri: "/api/v1/deployments/d-0004/\(command)", method: .post)
                #expect(response.status == .serviceUnavailable)
                #expect(try response.apiError == .init(code: "commands_unavailable",
                                                       message: "this server does not accept commands"))
            }
        }
    }

    @Test(arguments: Transport.allCases)
    func aStoreFailureInTheCommandIs503WithItsMessage(_ transport: Transport) async throws {
        let commands = RecordingCommands(failure: StoreError.unavailable("disk I/O error"))
        try await Seed.withAPI(transport, commands: commands) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/rollback", method: .post)
            #expect(response.status == .serviceUnavailable)
            #expect(try response.apiError == .init(code: "store_unavailable", message: "disk I/O error"))
        }
    }

    static let wrongMethods: [(method: HTTPRequest.Method, uri: String, allow: String)] = [
        (.get, "/api/v1/deployments/d-0004/rollback", "POST"), (.put, "/api/v1/deployments/d-0004/cancel", "POST"),
        (.delete, "/api/v1/deployments/d-0004/cancel", "POST"), (.post, "/api/v1/deployments/d-0004", "GET, HEAD"),
        (.post, "/api/v1/deployments/d-0004/stages/0/logs", "GET, HEAD"),
    ]

    @Test(arguments: Transport.allCases, wrongMethods)
    func otherMethodsAre405WithAllow(_ transport: Transport, request: (method: HTTPRequest.Method, uri: String, allow: String))
        async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(transport, commands: commands) { client in
            let response = try await client.execute(uri: request.uri, method: request.method)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == request.allow)
            #expect(try response.apiError.code == "method_not_allowed")
        }
        #expect(await commands.calls.isEmpty)
    }
}
