import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// `capstan serve` for real, notifying a real receiver on loopback that refuses its first two requests,
/// and restarted in the middle: every event the receiver asked for arrives exactly once per delivery id.
@Suite(.serialized, .timeLimit(.minutes(4))) struct NotificationEndToEndTests {
    static let secret = "e2e-notification-secret"
    static let kinds: Set<String> = ["deployment.created", "deployment.state_changed", "deployment.replanned", "stage.state_changed"]

    @Test func aReceiverThatFailsItsFirstTwoAttemptsGetsEveryEventOnceAlsoAcrossARestart() async throws {
        let receiver = try await NotificationReceiver(secret: Self.secret, failRequests: 2)
        defer { receiver.stop() }
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.appendServerConfig("""
            notifications:
              - name: ops
                url: "\(receiver.url)"
                events: ["deployment.*", stage.state_changed]
                secretEnv: CAPSTAN_E2E_NOTIFICATION_SECRET
            """)
        let environment = ["CAPSTAN_E2E_NOTIFICATION_SECRET": Self.secret]
        try fixture.startServer(environment: environment)
        let bothLive = await fixture.eventually {
            let hello = await fixture.version("hello"), other = await fixture.version("other")
            return hello == "1.0.0" && other == "1.0.0"
        }
        #expect(bothLive, "\(fixture.serverLog)")
        // The first delivery is refused twice (retried within 5 s, then 10 s), then the queue flows.
        #expect(await fixture.eventually(60) { ((try? await receiver.state())?.accepted.count ?? 0) >= 3 },
                "\(fixture.serverLog)")

        // A graceful restart, with a push while the server is down.
        #expect(fixture.stopServer() == 0, "\(fixture.serverLog)")
        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("hello v2")
        try fixture.startServer(environment: environment)
        #expect(await fixture.eventually {
            (await fixture.deployments("hello")).first.map { $0["commit"] as? String == v2.hex && $0["state"] as? String == "SUCCESS" }
                ?? false
        }, "\(fixture.serverLog)")

        let expected = await Self.deliveryIds(fixture)
        #expect(expected.count > 10, "two first deployments and v2: \(expected)")
        let allArrived = await fixture.eventually(60) { (try? await receiver.state())?.accepted == expected }
        let state = try await receiver.state()
        #expect(allArrived, "\(state)\n\(fixture.serverLog)")
        #expect(state.duplicates.isEmpty, "none processed twice: \(state.duplicates)")
        #expect(state.badSignatures.isEmpty)
        #expect(state.requests == expected.count + 2, "two refusals, then each delivery once")
        for id in expected {
            #expect(state.seen[id]?["deliveryId"] == id && Self.kinds.contains(state.seen[id]?["kind"] ?? ""))
        }
    }

    /// `ops-<sequence>` of every event of the asked-for kinds in the server's log, in order.
    static func deliveryIds(_ fixture: ServeFixture) async -> [String] {
        var ids: [String] = [], after = 0
        while let page = await fixture.api("/api/v1/events?after=\(after)&limit=1000") as? [[String: Any]], !page.isEmpty {
            for event in page {
                guard let sequence = event["sequence"] as? Int else { continue }
                after = sequence
                if Self.kinds.contains(event["kind"] as? String ?? "") { ids.append("ops-\(sequence)") }
            }
        }
        return ids
    }
}
