import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// Faults injected into a real `capstan serve`: a Git remote that goes away and comes back, a second server
/// on the same data folder.
@Suite(.serialized, .timeLimit(.minutes(3))) struct FaultEndToEndTests {
    /// The remote stops answering: nothing deploys, an event says why (once, not per poll), and within a poll
    /// of its return the push it missed is deployed.
    @Test func anUnreachableRemoteDeploysNothingAndRecoversWithinAPoll() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        var daemon = try GitDaemon(basePath: fixture.root)
        defer { daemon.stop() }
        let port = daemon.port
        let configURL = fixture.root.appendingPathComponent("server.yaml")
        let config = try String(contentsOf: configURL, encoding: .utf8)
        try Data(config.replacingOccurrences(of: "file://\(fixture.bare.path)", with: daemon.url("apps.git")).utf8)
            .write(to: configURL)
        try fixture.startServer()
        #expect(await fixture.eventually { await fixture.version("hello") == "1.0.0" }, "\(fixture.serverLog)")

        daemon.stop()
        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("v2 while the remote is down")
        #expect(await fixture.eventually(20) { await Self.events(fixture, kind: "repository.error").count == 1 })
        // Several polls later: still one event, still no deployment, and it names the remote and why.
        try await Task.sleep(for: .seconds(3))
        let errors = await Self.events(fixture, kind: "repository.error")
        #expect(errors.count == 1, "one event per distinct problem, not per poll: \(errors)")
        let message = errors.first?["message"] as? String ?? ""
        #expect(message.hasPrefix("repository apps: ") && message.contains("127.0.0.1:\(port)"), "\(message)")
        #expect(await fixture.deployments("hello").count == 1)
        #expect(await fixture.version("hello") == "1.0.0")

        daemon = try GitDaemon(basePath: fixture.root, port: port)
        let back = ContinuousClock.now
        #expect(await fixture.eventually(30) {
            (await fixture.deployments("hello")).first?["commit"] as? String == v2.hex
        }, "\(fixture.serverLog.suffix(3000))")
        // The poll is 1 s; a fetch and a plan on a loaded machine take a few more.
        #expect(ContinuousClock.now - back < .seconds(10))
        #expect(await Self.events(fixture, kind: "repository.polled").contains {
            ($0["message"] as? String)?.contains("reachable again") == true
        })
        #expect(await fixture.eventually { await fixture.version("hello") == "2.0.0" })
    }

    /// Two servers deploying from one store would each run every deployment: the second refuses to start.
    @Test func aSecondServerOnTheSameDataFolderRefusesToStart() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.startServer()
        #expect(await fixture.eventually { await fixture.version("hello") == "1.0.0" }, "\(fixture.serverLog)")
        let data = fixture.root.appendingPathComponent("data")
        let mode = try FileManager.default.attributesOfItem(atPath: data.path)[.posixPermissions] as? Int
        #expect(mode == 0o700, "the data folder holds the store and checkouts: only the server's user may read it")

        let second = try await CIFlowEndToEndTests.capstan(
            ["serve", "--config", fixture.root.appendingPathComponent("server.yaml").path])
        #expect(second.status != 0)
        #expect(second.stderr.contains("another capstan serve is using \(data.path)"), "\(second.stderr)")
        // The first goes on undisturbed.
        #expect(await fixture.version("hello") == "1.0.0")
        #expect(await fixture.deployments("hello").count == 1)
    }

    static func events(_ fixture: ServeFixture, kind: String) async -> [[String: Any]] {
        let all = await fixture.api("/api/v1/events?limit=1000") as? [[String: Any]] ?? []
        return all.filter { $0["kind"] as? String == kind }
    }
}
