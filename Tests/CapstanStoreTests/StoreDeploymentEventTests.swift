import CapstanCore
import Foundation
import Testing

/// The `DeploymentStore` contract for one deployment's events (stage logs), run against every store.
@Suite struct StoreDeploymentEventTests {
    /// Events of two deployments and the repository, interleaved: sequence, deployment, stage, kind.
    static let layout: [(String?, Int?, EventKind)] = [
        ("a", nil, .deploymentCreated),  // 1
        ("b", nil, .deploymentCreated),  // 2
        ("a", 0, .stageStateChanged),    // 3
        ("a", 0, .stageLog),             // 4
        (nil, nil, .repositoryPolled),   // 5
        ("b", 0, .stageLog),             // 6
        ("a", 0, .stageLog),             // 7
        ("a", 1, .stageLog),             // 8
        ("a", 1, .stageStateChanged),    // 9
        ("a", 0, .stageLog),             // 10: a line that arrived late, after stage 1 started
        ("a", nil, .deploymentStateChanged),  // 11
    ]

    static func seed(_ store: any DeploymentStore) async throws {
        for (offset, (name, stage, kind)) in layout.enumerated() {
            var event = Sample.event(kind, deployment: name, message: "event \(offset + 1)")
            event.stageIndex = stage
            try await store.write([], events: [event])
        }
    }

    static let queries: [(deployment: String, stage: Int?, kind: EventKind?, after: Int64, limit: Int, sequences: [Int64])] = [
        ("a", nil, nil, 0, 100, [1, 3, 4, 7, 8, 9, 10, 11]),
        ("a", 0, nil, 0, 100, [3, 4, 7, 10]),
        ("a", 0, .stageLog, 0, 100, [4, 7, 10]),
        ("a", nil, .stageLog, 0, 100, [4, 7, 8, 10]),
        ("a", 1, .stageLog, 0, 100, [8]),
        ("a", 0, .stageLog, 4, 100, [7, 10]),
        ("a", 0, .stageLog, 0, 2, [4, 7]),
        ("a", 0, .stageLog, 7, 1, [10]),
        ("a", 0, .stageLog, 10, 100, []),
        ("a", nil, nil, -3, 2, [1, 3]),
        ("a", nil, nil, 0, 0, []),
        ("a", 2, nil, 0, 100, []),
        ("b", nil, nil, 0, 100, [2, 6]),
        ("b", 0, .stageLog, 0, 100, [6]),
        ("ghost", nil, nil, 0, 100, []),
        ("a", nil, .deploymentStateChanged, 0, .max, [11]),
    ]

    @Test(arguments: StoreKind.allCases)
    func oneDeploymentsEventsByStageKindAndSequence(kind: StoreKind) async throws {
        try await kind.with { store in
            try await Self.seed(store)
            for query in Self.queries {
                let events = try await store.events(of: Sample.id(query.deployment), stage: query.stage, kind: query.kind,
                                                    after: query.after, limit: query.limit)
                #expect(events.map(\.sequence) == query.sequences, "\(query)")
                #expect(events.allSatisfy { $0.deployment == Sample.id(query.deployment) })
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func pagingThroughAStageLogSeesEveryLineOnce(kind: StoreKind) async throws {
        try await kind.with { store in
            let lines = (0..<25).map { n in
                NewEvent(kind: .stageLog, at: Sample.time(Double(n)), app: "checkout", deployment: Sample.id("a"),
                         stageIndex: n % 3 == 0 ? 2 : 1, message: "line \(n)", data: ["level": n == 7 ? "error" : "info"])
            }
            let written = try await store.write([], events: lines)
            var seen: [Event] = []
            while true {
                let page = try await store.events(of: Sample.id("a"), stage: 1, kind: .stageLog,
                                                  after: seen.last?.sequence ?? 0, limit: 4)
                if page.isEmpty { break }
                seen += page
            }
            #expect(seen == written.filter { $0.stageIndex == 1 })
            #expect(seen.first { $0.message == "line 7" }?.data == ["level": "error"])
        }
    }
}
