import CapstanCore
import CapstanServer
import CapstanTesting
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// `GET /api/v1/deployments` (filters, ordering, limit) and `/deployments/{id}`.
@Suite struct DeploymentRoutesTests {
    static let filters: [(query: String, ids: [String])] = [
        ("", ["d-0004", "d-0003", "d-0002", "d-0001"]),
        ("?app=checkout", ["d-0004", "d-0003", "d-0001"]),
        ("?state=SUCCESS", ["d-0002", "d-0001"]),
        ("?state=success", ["d-0002", "d-0001"]),
        ("?app=checkout&state=FAILURE", ["d-0003"]),
        ("?limit=2", ["d-0004", "d-0003"]),
        ("?app=checkout&limit=1", ["d-0004"]),
        ("?app=nobody", []),
        ("?state=CANCELLED", []),
        ("?unknown=ignored", ["d-0004", "d-0003", "d-0002", "d-0001"]),
    ]

    @Test(arguments: Transport.allCases, filters)
    func listsNewestFirstWithFilters(_ transport: Transport, filter: (query: String, ids: [String])) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/deployments" + filter.query, method: .get)
            #expect(response.status == .ok)
            let deployments: [DeploymentView] = try response.decoded()
            #expect(deployments.map(\.id.rawValue) == filter.ids)
        }
    }

    @Test(arguments: Transport.allCases)
    func listsEveryDocumentedField(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/deployments?app=checkout", method: .get)
            let json = try response.json
            #expect(json[2]?.keys == ["app", "commit", "createdAt", "id", "previousCommit", "reason", "state", "strategy",
                                      "trigger", "updatedAt"])
            #expect(json[2]?["previousCommit"] == .null)
            #expect(json[2]?["createdAt"] == .string("2025-03-01T12:00:00.250000Z"))
            let failed = try response.decoded([DeploymentView].self)[1]
            #expect(failed.reason == "ANALYSIS failed: error-rate 3.2 > 0.5")
            #expect(failed.previousCommit == Seed.commit("a"))
            #expect(failed.trigger == .commit && failed.strategy == .pipeline && failed.state == .failure)
        }
    }

    @Test(arguments: Transport.allCases)
    func showsADeploymentWithItsStagesApprovalsAndEvents(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004", method: .get)
            #expect(response.status == .ok)
            let deployment: DeploymentDetailView = try response.decoded()
            #expect(deployment.app == "checkout" && deployment.state == .running)
            #expect(deployment.stages.map(\.kind) == [.canaryRollout, .waitApproval, .primaryRollout])
            #expect(deployment.stages.map(\.state) == [.success, .running, .notStarted])
            #expect(deployment.stages[2].startedAt == nil)
            #expect(deployment.approvals.map(\.approver) == ["alice"])
            #expect(deployment.events.map(\.sequence) == [4, 11, 12])
            #expect(deployment.events.allSatisfy { $0.deployment?.rawValue == "d-0004" })
        }
    }

    @Test(arguments: Transport.allCases)
    func findsEventsBeyondOneStorePage(_ transport: Transport) async throws {
        let store = try await Seed.store()
        let filler = (0..<2_500).map { NewEvent(kind: .repositoryPolled, at: Seed.at(Double($0)), message: "poll \($0)") }
        try await store.write([], events: filler)
        try await store.write([], events: [
            NewEvent(kind: .stageLog, at: Seed.at(3_000), app: "checkout", deployment: Seed.running, message: "late"),
        ])
        try await Seed.withAPI(transport, store: store) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004", method: .get)
            let deployment: DeploymentDetailView = try response.decoded()
            #expect(deployment.events.map(\.sequence) == [4, 11, 12, 2_513])
        }
    }

    @Test(arguments: Transport.allCases)
    func anUnknownDeploymentIs404(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-nope", method: .get)
            #expect(response.status == .notFound)
            #expect(try response.apiError == .init(code: "not_found", message: "no deployment d-nope"))
        }
    }
}
