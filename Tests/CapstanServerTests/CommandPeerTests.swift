import CapstanCore
import CapstanServer
import CapstanTesting
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// On a server without tokens, commands come only from this machine: loopback peers, no web pages.
@Suite struct CommandPeerTests {
    static let local: [(ip: String, actor: String)] = [
        ("127.0.0.1", "api@127.0.0.1"), ("127.8.9.10", "api@127.8.9.10"), ("::1", "api@::1"),
        ("::ffff:127.0.0.1", "api@::ffff:127.0.0.1"),
    ]

    @Test(arguments: local)
    func loopbackPeersMayCommandAndAreNamedAsTheActor(_ peer: (ip: String, actor: String)) async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(.router, commands: commands, peer: .posingAs(peer.ip)) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/rollback", method: .post)
            #expect(response.status == .accepted)
        }
        #expect(await commands.calls == [.rollback(Seed.running, by: peer.actor)])
    }

    @Test(arguments: ["10.0.0.5", "192.168.1.20", "128.0.0.1", "::2", "::ffff:10.0.0.1", "2001:db8::1", "fe80::1"])
    func otherPeersAre403AndNothingRuns(_ ip: String) async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(.router, commands: commands, peer: .posingAs(ip)) { client in
            for uri in AuthCommandTests.routes.map(\.uri) {
                let response = try await client.execute(uri: uri, method: .post)
                #expect(response.status == .forbidden)
                let error = try response.apiError
                #expect(error.code == "forbidden")
                #expect(error.message == "this server has no tokens (no auth in its config), so it takes commands only "
                    + "from this machine (127.0.0.1 or ::1); \(ip) is not local")
            }
            // Reads stay open to everyone.
            #expect(try await client.execute(uri: "/api/v1/deployments/d-0004", method: .get).status == .ok)
        }
        #expect(await commands.calls.isEmpty)
    }

    @Test func aPeerThatCannotBeToldIs403() async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(.router, commands: commands, peer: .unknown) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/cancel", method: .post)
            #expect(response.status == .forbidden)
            #expect(try response.apiError.message.hasPrefix("this server cannot tell where the request comes from"))
        }
        #expect(await commands.calls.isEmpty)
    }

    /// A context that does not record the peer (Hummingbird's basic one) cannot open the write routes.
    @Test func aContextWithoutAPeerAddressIs403() async throws {
        let commands = RecordingCommands()
        let router = Router(context: BasicRequestContext.self, options: [.autoGenerateHeadEndpoints])
        CapstanAPI.add(to: router, store: try await Seed.store(), commands: commands)
        try await Hummingbird.Application(router: router).test(.live) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/rollback", method: .post)
            #expect(response.status == .forbidden)
            #expect(try await client.execute(uri: "/api/v1/deployments/d-0004", method: .get).status == .ok)
        }
        #expect(await commands.calls.isEmpty)
    }

    /// A browser sends `Origin`; a page open on this machine must not be able to post to 127.0.0.1.
    @Test(arguments: Transport.allCases)
    func requestsFromWebPagesAre403(_ transport: Transport) async throws {
        let commands = RecordingCommands()
        try await Seed.withAPI(transport, commands: commands) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/rollback", method: .post,
                                                    headers: [.origin: "https://evil.example"])
            #expect(response.status == .forbidden)
            #expect(try response.apiError.message
                == "commands are not accepted from web pages (Origin: https://evil.example); use the CLI or curl")
        }
        #expect(await commands.calls.isEmpty)
    }

    /// The server's own context takes the peer from the connection: a live request from loopback passes.
    @Test func theApplicationsContextReadsThePeerFromTheConnection() async throws {
        let commands = RecordingCommands()
        let app = Hummingbird.Application(router: CapstanAPI.router(store: try await Seed.store(), commands: commands))
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/rollback", method: .post)
            #expect(response.status == .accepted)
        }
        let calls = await commands.calls
        #expect(calls == [.rollback(Seed.running, by: "api@127.0.0.1")] || calls == [.rollback(Seed.running, by: "api@::1")])
    }
}
