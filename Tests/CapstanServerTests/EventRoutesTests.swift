import CapstanCore
import CapstanServer
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// `GET /api/v1/events`: the global, gap-free sequence paged with `after` and `limit`.
@Suite struct EventRoutesTests {
    static let pages: [(query: String, sequences: ClosedRange<Int64>?)] = [
        ("", 1...12),
        ("?after=10", 11...12),
        ("?after=0&limit=5", 1...5),
        ("?after=5&limit=5", 6...10),
        ("?limit=1000", 1...12),
        ("?after=12", nil),
        ("?after=9000000000", nil),
    ]

    @Test(arguments: Transport.allCases, pages)
    func pagesOldestFirst(_ transport: Transport, page: (query: String, sequences: ClosedRange<Int64>?)) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/events" + page.query, method: .get)
            #expect(response.status == .ok)
            let events: [EventView] = try response.decoded()
            #expect(events.map(\.sequence) == page.sequences.map(Array.init) ?? [])
        }
    }

    @Test(arguments: Transport.allCases)
    func pagingWithTheLastSequenceSeesEveryEventOnce(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            var seen: [Int64] = []
            var after: Int64 = 0
            while true {
                let page: [EventView] = try await client.execute(uri: "/api/v1/events?after=\(after)&limit=5", method: .get)
                    .decoded()
                guard let last = page.last else { break }
                seen += page.map(\.sequence)
                after = last.sequence
            }
            #expect(seen == Array(1...12))
        }
    }

    @Test(arguments: Transport.allCases)
    func showsEveryField(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/events?after=4&limit=2", method: .get)
            let json = try response.json
            #expect(json[0]?.keys == ["app", "at", "data", "deployment", "kind", "message", "sequence", "stageIndex"])
            #expect(json[0]?["stageIndex"] == .null)
            #expect(json[0]?["data"] == .object(["state": .string("RUNNING")]))
            let events: [EventView] = try response.decoded()
            #expect(events.map(\.kind) == [.deploymentStateChanged, .stageLog])
            #expect(events[1].stageIndex == 0)
        }
    }
}
