import CapstanCore
import CapstanServer
import CapstanTesting
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Bad input is a precise 4xx in the JSON error shape; a failing store is a 503; never a 500.
@Suite struct ErrorResponseTests {
    static let badQueries: [(uri: String, parameter: String)] = [
        ("/api/v1/deployments?state=BOGUS", "state"),
        ("/api/v1/deployments?limit=-1", "limit"),
        ("/api/v1/deployments?limit=0", "limit"),
        ("/api/v1/deployments?limit=1001", "limit"),
        ("/api/v1/deployments?limit=ten", "limit"),
        ("/api/v1/deployments?app=", "app"),
        ("/api/v1/deployments?state=RUNNING&state=FAILURE", "state"),
        ("/api/v1/events?after=abc", "after"),
        ("/api/v1/events?after=-1", "after"),
        ("/api/v1/events?after=99999999999999999999", "after"),
        ("/api/v1/events?limit=5000", "limit"),
    ]

    @Test(arguments: Transport.allCases, badQueries)
    func badQueryValuesAre400NamingTheParameter(_ transport: Transport, bad: (uri: String, parameter: String)) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: bad.uri, method: .get)
            #expect(response.status == .badRequest)
            let error = try response.apiError
            #expect(error.code == "bad_request")
            #expect(error.message.hasPrefix(bad.parameter + " "), "\(error.message)")
        }
    }

    @Test(arguments: Transport.allCases, ["/", "/api/v2/apps", "/api/v1/app", "/api/v1/apps/checkout/extra", "/healthz/x"])
    func unknownRoutesAre404(_ transport: Transport, uri: String) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .notFound)
            #expect(try response.apiError.code == "not_found")
        }
    }

    static let wrongMethods: [(method: HTTPRequest.Method, uri: String)] = [
        (.post, "/api/v1/apps"), (.delete, "/api/v1/apps/checkout"), (.put, "/api/v1/apps/checkout/diff"),
        (.patch, "/api/v1/deployments"), (.delete, "/api/v1/deployments/d-0001"), (.post, "/api/v1/events"),
        (.post, "/healthz"),
    ]

    @Test(arguments: Transport.allCases, wrongMethods)
    func wrongMethodsAre405WithAllow(_ transport: Transport, request: (method: HTTPRequest.Method, uri: String)) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: request.uri, method: request.method)
            #expect(response.status == .methodNotAllowed)
            #expect(response.headers[.allow] == "GET, HEAD")
            #expect(try response.apiError.code == "method_not_allowed")
        }
    }

    @Test(arguments: Transport.allCases)
    func headAnswersLikeGetWithoutABody(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/apps", method: .head)
            #expect(response.status == .ok)
            #expect(response.body.readableBytes == 0)
        }
    }

    @Test(arguments: Transport.allCases, ["/api/v1/apps", "/api/v1/apps/checkout", "/api/v1/apps/checkout/diff",
                                          "/api/v1/deployments", "/api/v1/deployments/d-0001", "/api/v1/events"])
    func aFailingStoreIs503WithItsMessage(_ transport: Transport, uri: String) async throws {
        try await Seed.withAPI(transport, store: FailingDeploymentStore(message: "disk I/O error (database is locked)")) { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(try response.apiError == .init(code: "store_unavailable", message: "disk I/O error (database is locked)"))
        }
    }

    @Test(arguments: Transport.allCases)
    func badInputIsCheckedBeforeTheStoreIsAsked(_ transport: Transport) async throws {
        try await Seed.withAPI(transport, store: FailingDeploymentStore(message: "disk I/O error (database is locked)")) { client in
            let response = try await client.execute(uri: "/api/v1/events?limit=0", method: .get)
            #expect(response.status == .badRequest)
        }
    }
}
