import CapstanCore
import CapstanServer
import CapstanTesting
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// `GET /api/v1/deployments/{id}/stages/{index}/logs`: one stage's log lines, paged by sequence.
@Suite struct StageLogRoutesTests {
    /// The seeded store plus log lines of d-0004: stage 0 has its seeded line (12) and 13, 15, 16; stage 1 has
    /// 14 and 17; a stage event (18) and a line of another deployment (19) are not stage 1's log.
    static func store() async throws -> MemoryDeploymentStore {
        let store = try await Seed.store()
        func line(_ stage: Int, _ seconds: Double, _ message: String, level: String?) -> NewEvent {
            NewEvent(kind: .stageLog, at: Seed.at(seconds), app: "checkout", deployment: Seed.running, stageIndex: stage,
                     message: message, data: level.map { ["level": $0] } ?? [:])
        }
        try await store.write([], events: [
            line(0, 122.5, "starting 1 canary instance", level: "info"),
            line(1, 131.25, "waiting for release-managers", level: "info"),
            line(0, 129, "instance 1 slow to start", level: "warning"),
            line(0, 129.5, "canary ready", level: nil),
            line(1, 140, "alice approved", level: "info"),
            NewEvent(kind: .stageStateChanged, at: Seed.at(141), app: "checkout", deployment: Seed.running, stageIndex: 1,
                     message: "stage 1 WAIT_APPROVAL SUCCESS"),
            NewEvent(kind: .stageLog, at: Seed.at(142), app: "checkout", deployment: DeploymentID(rawValue: "d-0003"),
                     stageIndex: 1, message: "not d-0004's"),
        ])
        return store
    }

    @Test(arguments: Transport.allCases)
    func showsAStagesLinesOldestFirstWithTheirLevel(_ transport: Transport) async throws {
        try await Seed.withAPI(transport, store: try await Self.store()) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/stages/0/logs", method: .get)
            #expect(response.status == .ok)
            let page: StageLogsView = try response.decoded()
            #expect(page.deployment == Seed.running && page.stage == 0 && page.kind == .canaryRollout)
            #expect(page.state == .success && page.deploymentState == .running)
            #expect(page.lines.map(\.sequence) == [12, 13, 15, 16])
            #expect(page.lines.map(\.level) == ["info", "info", "warning", "info"])
            #expect(page.lines[1].message == "starting 1 canary instance")
            #expect(page.next == 16)
            let json = try response.json
            #expect(json.keys == ["deployment", "deploymentState", "kind", "lines", "next", "stage", "state"])
            #expect(json["lines"]?[1]?.keys == ["level", "message", "sequence", "time"])
            #expect(json["lines"]?[1]?["time"] == .string("2025-03-01T12:02:02.750000Z"))
        }
    }

    static let pages: [(query: String, sequences: [Int64], next: Int64)] = [
        ("", [14, 17], 17),
        ("?limit=1", [14], 14),
        ("?after=14&limit=1", [17], 17),
        ("?after=17", [], 17),
        ("?after=0&limit=1000", [14, 17], 17),
        ("?after=9000000000", [], 9_000_000_000),
    ]

    @Test(arguments: Transport.allCases, pages)
    func pagesWithAfterAndLimit(_ transport: Transport, page: (query: String, sequences: [Int64], next: Int64)) async throws {
        try await Seed.withAPI(transport, store: try await Self.store()) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/stages/1/logs" + page.query, method: .get)
            #expect(response.status == .ok)
            let view: StageLogsView = try response.decoded()
            #expect(view.lines.map(\.sequence) == page.sequences)
            #expect(view.next == page.next)
            #expect(view.kind == .waitApproval && view.state == .running)
        }
    }

    @Test(arguments: Transport.allCases)
    func aStageThatHasNotStartedHasNoLines(_ transport: Transport) async throws {
        try await Seed.withAPI(transport, store: try await Self.store()) { client in
            let view: StageLogsView = try await client.execute(uri: "/api/v1/deployments/d-0004/stages/2/logs", method: .get)
                .decoded()
            #expect(view.lines.isEmpty && view.next == 0 && view.state == .notStarted && view.kind == .primaryRollout)
        }
    }

    static let missing: [(uri: String, message: String)] = [
        ("/api/v1/deployments/d-nope/stages/0/logs", "no deployment d-nope"),
        ("/api/v1/deployments/d-0004/stages/3/logs", "deployment d-0004 has no stage 3; its stages are 0 to 2"),
        ("/api/v1/deployments/d-0001/stages/0/logs", "deployment d-0001 has no stage 0; it has no stages"),
    ]

    @Test(arguments: Transport.allCases, missing)
    func anUnknownDeploymentOrStageIs404(_ transport: Transport, missing: (uri: String, message: String)) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: missing.uri, method: .get)
            #expect(response.status == .notFound)
            #expect(try response.apiError == .init(code: "not_found", message: missing.message))
        }
    }

    static let bad: [(uri: String, parameter: String)] = [
        ("/api/v1/deployments/d-0004/stages/x/logs", "index"),
        ("/api/v1/deployments/d-0004/stages/-1/logs", "index"),
        ("/api/v1/deployments/d-0004/stages/1.5/logs", "index"),
        ("/api/v1/deployments/d-0004/stages/0/logs?after=-1", "after"),
        ("/api/v1/deployments/d-0004/stages/0/logs?after=abc", "after"),
        ("/api/v1/deployments/d-0004/stages/0/logs?limit=0", "limit"),
        ("/api/v1/deployments/d-0004/stages/0/logs?limit=1001", "limit"),
        ("/api/v1/deployments/d-0004/stages/0/logs?limit=1&limit=2", "limit"),
    ]

    @Test(arguments: Transport.allCases, bad)
    func badValuesAre400NamingTheParameter(_ transport: Transport, bad: (uri: String, parameter: String)) async throws {
        try await Seed.withAPI(transport, store: FailingDeploymentStore(message: "not asked")) { client in
            let response = try await client.execute(uri: bad.uri, method: .get)
            #expect(response.status == .badRequest)
            let error = try response.apiError
            #expect(error.code == "bad_request")
            #expect(error.message.hasPrefix(bad.parameter + " "), "\(error.message)")
        }
    }

    @Test(arguments: Transport.allCases)
    func aFailingStoreIs503(_ transport: Transport) async throws {
        try await Seed.withAPI(transport, store: FailingDeploymentStore(message: "disk I/O error")) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004/stages/0/logs", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(try response.apiError == .init(code: "store_unavailable", message: "disk I/O error"))
        }
    }

    @Test(arguments: Transport.allCases)
    func theDeploymentShowsEachStagesOptions(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/deployments/d-0004", method: .get)
            let deployment: DeploymentDetailView = try response.decoded()
            #expect(deployment.stages.map(\.options) == [.object(["replicas": .number(1)]), .object([:]), .object([:])])
            #expect(try response.json["stages"]?[0]?.keys == ["attempts", "finishedAt", "index", "kind", "options", "reason",
                                                               "startedAt", "state"])
        }
    }
}
