import CapstanCore
import CapstanServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// `GET /api/v1/apps`, `/apps/{name}` and `/apps/{name}/diff`, in-process and over loopback.
@Suite struct AppRoutesTests {
    @Test(arguments: Transport.allCases)
    func listsAppsByNameWithTheirStatusAndLiveCommit(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/apps", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            let apps: [AppView] = try response.decoded()
            #expect(apps.map(\.name) == ["billing", "checkout", "search"])
            #expect(apps.map(\.status) == [.synced, .outOfSync, .unknown])
            #expect(apps[1].liveCommit == Seed.commit("a"))
            #expect(apps[1].updatedAt.description == "2025-03-01T12:03:20.250000Z")
            #expect(apps[2].liveCommit == nil)
            let json = try response.json
            #expect(json[2]?.keys == ["configPath", "liveCommit", "name", "repository", "status", "summary", "updatedAt"])
            #expect(json[2]?["liveCommit"] == .null)
        }
    }

    @Test(arguments: Transport.allCases)
    func showsOneAppWithItsDiffAndLastDeployment(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/apps/checkout", method: .get)
            #expect(response.status == .ok)
            let app: AppDetailView = try response.decoded()
            #expect(app.status == .outOfSync)
            #expect(app.diff.contains("+replicas: 1"))
            #expect(app.summary == "1 of 2 replicas at aaaaaaa")
            #expect(app.lastDeployment?.id.rawValue == "d-0004")
            #expect(app.lastDeployment?.state == .running)
            #expect(try response.json.keys.contains("lastDeployment"))
        }
    }

    @Test(arguments: Transport.allCases)
    func anAppNeverDeployedHasNoLastDeploymentAndAnEmptyDiff(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/apps/search", method: .get)
            let app: AppDetailView = try response.decoded()
            #expect(app.lastDeployment == nil)
            #expect(app.diff == "")
            #expect(try response.json["lastDeployment"] == .null)
        }
    }

    @Test(arguments: Transport.allCases)
    func servesTheDiffOnItsOwn(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/apps/checkout/diff", method: .get)
            #expect(response.status == .ok)
            let diff: AppDiffView = try response.decoded()
            #expect(diff.app == "checkout")
            #expect(diff.diff == "--- desired\n+++ live\n-replicas: 2\n+replicas: 1")
            #expect(diff.liveCommit == Seed.commit("a"))
        }
    }

    @Test(arguments: Transport.allCases)
    func decodesPercentEncodedNames(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/apps/check%6Fut", method: .get)
            #expect(response.status == .ok)
            #expect(try response.decoded(AppDetailView.self).name == "checkout")
        }
    }

    @Test(arguments: Transport.allCases, ["/api/v1/apps/nope", "/api/v1/apps/nope/diff"])
    func anUnknownAppIs404(_ transport: Transport, uri: String) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: uri, method: .get)
            #expect(response.status == .notFound)
            #expect(try response.apiError == .init(code: "not_found", message: "no application nope"))
        }
    }
}
