import CapstanCore
import CapstanServer
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Reads on a server with tokens: open or not as `anonymousRead` says, but a token that is sent is always
/// checked; `/healthz` and `/metrics` never need one.
@Suite struct AuthReadTests {
    static let reads = ["/api/v1/apps", "/api/v1/apps/checkout", "/api/v1/apps/checkout/diff", "/api/v1/deployments",
                        "/api/v1/deployments/d-0004", "/api/v1/deployments/d-0004/stages/0/logs", "/api/v1/events"]

    @Test(arguments: Transport.allCases)
    func withAnonymousReadReadsNeedNoToken(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        try await fixture.withAPI(transport, anonymousRead: true) { client in
            for uri in Self.reads {
                let anonymous = try await client.execute(uri: uri, method: .get)
                #expect(anonymous.status == .ok, "\(uri)")
                let viewer = try await client.execute(uri: uri, method: .get, headers: AuthFixture.bearer("vera"))
                #expect(viewer.status == .ok, "\(uri)")
            }
        }
    }

    @Test(arguments: Transport.allCases)
    func withoutAnonymousReadEveryReadIs401WithoutAToken(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        try await fixture.withAPI(transport, anonymousRead: false) { client in
            for uri in Self.reads {
                let response = try await client.execute(uri: uri, method: .get)
                #expect(response.status == .unauthorized, "\(uri)")
                #expect(response.headers[.wwwAuthenticate] == #"Bearer realm="capstan""#)
                #expect(try response.apiError == .init(code: "unauthorized", message: "reads on this server need a token: "
                    + "send Authorization: Bearer <token> (with the CLI: --token or CAPSTAN_TOKEN)"))
                #expect(try await client.execute(uri: uri, method: .head).status == .unauthorized)
            }
            // An unknown path is refused before it is found missing: it tells nothing to strangers.
            #expect(try await client.execute(uri: "/api/v2/apps", method: .get).status == .unauthorized)
            #expect(try await client.execute(uri: "/nothing/here", method: .get).status == .unauthorized)
            // Spellings the router still serves as an API read are reads too.
            for uri in ["//api/v1/deployments", "/./api/v1/apps", "//api//v1/events/stream", "/api/v1/openapi.yaml"] {
                #expect(try await client.execute(uri: uri, method: .get).status == .unauthorized, "\(uri)")
            }
            // /healthz and /metrics stay open, however they are spelled.
            #expect(try await client.execute(uri: "//healthz", method: .get).status == .ok)
        }
    }

    @Test(arguments: Transport.allCases, AuthFixture.tokens.map(\.name))
    func withoutAnonymousReadAnyRoleReads(_ transport: Transport, name: String) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        try await fixture.withAPI(transport, anonymousRead: false) { client in
            for uri in Self.reads {
                let response = try await client.execute(uri: uri, method: .get, headers: AuthFixture.bearer(name))
                #expect(response.status == .ok, "\(uri) as \(name)")
            }
        }
    }

    static let badTokens: [(header: String, message: String, invalid: Bool)] = [
        ("Bearer capstan_nobody", "the token is not valid: unknown or revoked", true),
        ("Bearer " + AuthFixture.token("vera") + "x", "the token is not valid: unknown or revoked", true),
        ("bearer garbage", "the token is not valid: unknown or revoked", true),
        ("Basic dmVyYTpwdw==", "the Authorization header must be 'Bearer <token>'", false),
        ("Bearer ", "the Authorization header must be 'Bearer <token>'", false),
        (AuthFixture.token("vera"), "the Authorization header must be 'Bearer <token>'", false),
    ]

    /// A mistyped or revoked token is refused even where reading needs none: silently reading as anonymous
    /// would hide the mistake until the first command.
    @Test(arguments: Transport.allCases, badTokens)
    func aBadTokenIs401EvenWithAnonymousRead(_ transport: Transport, bad: (header: String, message: String, invalid: Bool))
        async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        try await fixture.withAPI(transport, anonymousRead: true) { client in
            let response = try await client.execute(uri: "/api/v1/apps", method: .get, headers: [.authorization: bad.header])
            #expect(response.status == .unauthorized)
            #expect(try response.apiError == .init(code: "unauthorized", message: bad.message))
            #expect(response.headers[.wwwAuthenticate]
                == (bad.invalid ? #"Bearer realm="capstan", error="invalid_token""# : #"Bearer realm="capstan""#))
        }
    }

    @Test(arguments: Transport.allCases)
    func healthzStaysOpen(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        try await fixture.withAPI(transport, anonymousRead: false) { client in
            let anonymous = try await client.execute(uri: "/healthz", method: .get)
            #expect(anonymous.status == .ok)
            let garbage = try await client.execute(uri: "/healthz", method: .get,
                                                   headers: [.authorization: "Bearer capstan_nobody"])
            #expect(garbage.status == .ok)
        }
    }

    @Test func metricsStayOpen() async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let app = CapstanAPI.application(store: try await Seed.store(), port: 0, metrics: { "capstan_up 1\n" },
                                         auth: AuthConfiguration(tokensFile: fixture.path, anonymousRead: false))
        try await app.test(.live) { client in
            let response = try await client.execute(uri: "/metrics", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == "capstan_up 1\n")
            #expect(try await client.execute(uri: "/api/v1/apps", method: .get).status == .unauthorized)
        }
    }

    /// Without `auth`, reads are open and a token that is sent is not looked at.
    @Test(arguments: Transport.allCases)
    func withoutAuthReadsAreOpenAndTokensIgnored(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/apps", method: .get,
                                                    headers: [.authorization: "Bearer capstan_nobody"])
            #expect(response.status == .ok)
        }
    }

    /// A token created after the server started works at once; a revoked one stops at once.
    @Test(arguments: Transport.allCases)
    func theTokensFileIsReadAgainWhenItChanges(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let path = fixture.path
        try await fixture.withAPI(transport, anonymousRead: false) { client in
            let newcomer: HTTPFields = [.authorization: "Bearer capstan_newcomer"]
            #expect(try await client.execute(uri: "/api/v1/apps", method: .get, headers: newcomer).status == .unauthorized)
            try TokenFile.update(path) { records in
                records.append(TokenRecord(name: "newcomer", roles: [.viewer], sha256: BearerToken.sha256Hex("capstan_newcomer"),
                                           created: Timestamp(Seed.t0)))
            }
            #expect(try await client.execute(uri: "/api/v1/apps", method: .get, headers: newcomer).status == .ok)
            try TokenFile.update(path) { records in records.removeAll { $0.name == "newcomer" } }
            #expect(try await client.execute(uri: "/api/v1/apps", method: .get, headers: newcomer).status == .unauthorized)
            #expect(try await client.execute(uri: "/api/v1/apps", method: .get, headers: AuthFixture.bearer("vera"))
                .status == .ok)
        }
    }

    /// A broken tokens file accepts no token (a half-finished revoke must not leave the old file in force),
    /// and says so without the file's details; anonymous reads go on.
    @Test(arguments: Transport.allCases)
    func aBrokenTokensFileIs503ForTokensOnly(_ transport: Transport) async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let path = fixture.path
        try await fixture.withAPI(transport, anonymousRead: true) { client in
            try Data("{not json\n".utf8).write(to: URL(fileURLWithPath: path))
            let response = try await client.execute(uri: "/api/v1/apps", method: .get, headers: AuthFixture.bearer("vera"))
            #expect(response.status == .serviceUnavailable)
            #expect(try response.apiError.code == "auth_unavailable")
            #expect(try !response.apiError.message.contains(path))
            #expect(try await client.execute(uri: "/api/v1/apps", method: .get).status == .ok)
        }
    }
}
