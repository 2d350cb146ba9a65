import CapstanCore
import CapstanServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Commands on a server with tokens: 401 without a valid token, 403 without the role, from any peer;
/// the actor is the token's name.
@Suite struct AuthCommandTests {
    /// Each command route and the role it needs.
    static let routes: [(uri: String, role: Role)] = [
        ("/api/v1/apps/checkout/sync", .deployer), ("/api/v1/deployments/d-0004/rollback", .deployer),
        ("/api/v1/deployments/d-0004/cancel", .deployer), ("/api/v1/deployments/d-0004/skip-stage", .deployer),
        ("/api/v1/deployments/d-0004/approve", .approver),
    ]

    static func verb(_ uri: String) -> String { String(uri.split(separator: "/").last!) }

    @Test(arguments: Transport.allCases, routes)
    func withoutATokenEveryCommandIs401(_ transport: Transport, route: (uri: String, role: Role)) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let commands = RecordingCommands(), sync = RecordingSync()
        try await fixture.withAPI(transport, commands: commands, syncCommands: sync) { client in
            let response = try await client.execute(uri: route.uri, method: .post)
            #expect(response.status == .unauthorized)
            #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="capstan""#)
            #expect(try response.apiError == .init(code: "unauthorized", message: "\(Self.verb(route.uri)) needs a token "
                + "with the \(route.role.rawValue) role: send Authorization: Bearer <token> (with the CLI: --token or CAPSTAN_TOKEN)"))
            for header in ["Bearer capstan_nobody", "Bearer garbage", "Basic YTpi"] {
                let refused = try await client.execute(uri: route.uri, method: .post, headers: [.authorization: header])
                #expect(refused.status == .unauthorized, "\(header)")
            }
        }
        #expect(await commands.calls.isEmpty)
        #expect(await sync.calls.isEmpty)
    }

    /// Every token whose roles do not grant the route's is refused with a 403 that names what it needs.
    static let wrongRoles: [(uri: String, name: String, held: String, needs: String)] = routes.flatMap { route in
        AuthFixture.tokens.filter { !Role.effective($0.roles).contains(route.role) }.map {
            (route.uri, $0.name, $0.roles.map(\.rawValue).joined(separator: ", "), route.role.rawValue)
        }
    }

    @Test(arguments: Transport.allCases, wrongRoles)
    func aTokenWithoutTheRoleIs403(_ transport: Transport, wrong: (uri: String, name: String, held: String, needs: String))
        async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let commands = RecordingCommands(), sync = RecordingSync()
        try await fixture.withAPI(transport, commands: commands, syncCommands: sync) { client in
            let response = try await client.execute(uri: wrong.uri, method: .post, headers: AuthFixture.bearer(wrong.name))
            #expect(response.status == .forbidden)
            #expect(try response.apiError == .init(code: "forbidden", message: "token \(wrong.name) (\(wrong.held)) may not "
                + "\(Self.verb(wrong.uri)): that needs the \(wrong.needs) role, or admin"))
        }
        #expect(await commands.calls.isEmpty)
        #expect(await sync.calls.isEmpty)
    }

    @Test func theRefusalsCoverEveryRouteAndRole() {
        #expect(Set(Self.wrongRoles.map(\.uri)) == Set(Self.routes.map(\.uri)))
        #expect(Self.wrongRoles.count == 4 * 2 + 1 * 2)  // vera, april on deploys; vera, dan on approve
    }

    static let granted: [(uri: String, name: String, call: RecordingCommands.Call)] = [
        ("/api/v1/deployments/d-0004/rollback", "dan", .rollback(Seed.running, by: "dan")),
        ("/api/v1/deployments/d-0004/cancel", "root", .cancel(Seed.running, rollback: true, by: "root")),
        ("/api/v1/deployments/d-0004/skip-stage", "both", .skipStage(Seed.running, by: "both", roles: ["approver", "deployer", "viewer"])),
        ("/api/v1/deployments/d-0004/approve", "april", .approve(Seed.running, by: "april", roles: ["approver", "viewer"])),
        ("/api/v1/deployments/d-0004/approve", "root",
         .approve(Seed.running, by: "root", roles: ["admin", "approver", "deployer", "viewer"])),
    ]

    /// From another host too: with tokens, the peer's address no longer matters.
    @Test(arguments: Transport.allCases, granted)
    func theRightRoleFromAnyPeerIs202AndTheActorIsTheTokensName(
        _ transport: Transport, grant: (uri: String, name: String, call: RecordingCommands.Call)
    ) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let commands = RecordingCommands()
        try await fixture.withAPI(transport, commands: commands, peer: "10.0.0.5") { client in
            let response = try await client.execute(uri: grant.uri, method: .post, headers: AuthFixture.bearer(grant.name))
            #expect(response.status == .accepted)
            #expect(try response.decoded(DeploymentView.self).id == Seed.running)
        }
        #expect(await commands.calls == [grant.call])
    }

    @Test(arguments: Transport.allCases)
    func syncIsForwardedWithTheCommitAndTheTokensName(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let sync = RecordingSync()
        try await fixture.withAPI(transport, syncCommands: sync, peer: "192.168.1.20") { client in
            let response = try await client.execute(uri: "/api/v1/apps/checkout/sync", method: .post,
                                                    headers: AuthFixture.bearer("dan"), body: ByteBuffer(string: #"{"commit": "4f2a9c1"}"#))
            #expect(response.status == .accepted)
            let deployment: DeploymentView = try response.decoded()
            #expect(deployment.id.rawValue == "d-0005" && deployment.state == .pending && deployment.trigger == .manual)
            let head = try await client.execute(uri: "/api/v1/apps/checkout/sync", method: .post, headers: AuthFixture.bearer("root"))
            #expect(head.status == .accepted)
        }
        #expect(await sync.calls == [.sync(app: "checkout", commit: "4f2a9c1", by: "dan"),
                                     .sync(app: "checkout", commit: nil, by: "root")])
    }

    /// The stage's approvers list is the engine's to check: its refusal is a 403 with its message.
    @Test(arguments: Transport.allCases)
    func anApproverNotInTheStagesListIs403WithTheEnginesMessage(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let message = "april is not among the approvers of stage 1: bob, role:release-managers"
        let commands = RecordingCommands(failure: CommandError.forbidden(message))
        try await fixture.withAPI(transport, commands: commands) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/approve", method: .post,
                                                    headers: AuthFixture.bearer("april"))
            #expect(response.status == .forbidden)
            #expect(try response.apiError == .init(code: "forbidden", message: message))
        }
        #expect(await commands.calls == [.approve(Seed.running, by: "april", roles: ["approver", "viewer"])])
    }

    @Test(arguments: Transport.allCases)
    func aRevokedTokenIs401FromTheNextRequest(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let path = fixture.path
        let commands = RecordingCommands()
        try await fixture.withAPI(transport, commands: commands) { client in
            let uri = "/api/v1/deployments/d-0004/rollback"
            #expect(try await client.execute(uri: uri, method: .post, headers: AuthFixture.bearer("dan")).status == .accepted)
            try TokenFile.update(path) { records in records.removeAll { $0.name == "dan" } }
            let response = try await client.execute(uri: uri, method: .post, headers: AuthFixture.bearer("dan"))
            #expect(response.status == .unauthorized)
            #expect(try response.apiError.message == "the token is not valid: unknown or revoked")
        }
        #expect(await commands.calls == [.rollback(Seed.running, by: "dan")])
    }

    /// A browser that somehow holds a token still cannot command: the Origin refusal comes first.
    @Test(arguments: Transport.allCases)
    func webPagesAre403EvenWithAToken(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let commands = RecordingCommands()
        try await fixture.withAPI(transport, commands: commands) { client in
            var headers = AuthFixture.bearer("root")
            headers[.origin] = "https://evil.example"
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/rollback", method: .post, headers: headers)
            #expect(response.status == .forbidden)
            #expect(try response.apiError.message
                == "commands are not accepted from web pages (Origin: https://evil.example); use the CLI or curl")
        }
        #expect(await commands.calls.isEmpty)
    }

    /// Auth comes before the body and the handler: a stranger learns nothing about either.
    @Test(arguments: Transport.allCases)
    func authIsCheckedBeforeTheBodyAndTheHandler(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        try await fixture.withAPI(transport) { client in
            let bad = try await client.execute(uri: "/api/v1/deployments/d-0004/cancel", method: .post,
                                               body: ByteBuffer(string: "{"))
            #expect(bad.status == .unauthorized)
            let unavailable = try await client.execute(uri: "/api/v1/apps/checkout/sync", method: .post)
            #expect(unavailable.status == .unauthorized)
            let noHandler = try await client.execute(uri: "/api/v1/apps/checkout/sync", method: .post,
                                                     headers: AuthFixture.bearer("dan"))
            #expect(noHandler.status == .serviceUnavailable)
            #expect(try noHandler.apiError.code == "commands_unavailable")
        }
    }
}
