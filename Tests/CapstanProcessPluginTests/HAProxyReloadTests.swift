import CapstanCore
import CapstanPluginKit
import Foundation
import Synchronization
import Testing
@testable import capstan_plugin_process

/// What a reload of the real HAProxy must not cost: a request the replaced worker still serves, or the
/// health its servers had earned.
@Suite(.serialized)
struct HAProxyReloadTests {
    static let v1 = ProcessPluginFixture.commit("5")
    static let v2 = ProcessPluginFixture.commit("6")

    /// The servers' check health (`srv_check_health` of `show servers state`), by server name.
    static func health(_ haproxy: HAProxyController) throws -> [String: Int] {
        let text = try haproxy.runtime("show servers state")
        var health: [String: Int] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let fields = line.split(separator: " ")
            if fields.count > 12, let value = Int(fields[12]) { health[String(fields[3])] = value }
        }
        return health
    }

    /// The master CLI's old workers, once it answers (it starts again at each reload).
    static func leaving(_ haproxy: HAProxyController) async -> [Int32]? {
        for _ in 0..<200 {
            if let pids = haproxy.leavingWorkers() { return pids }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    /// An instance whose `/hold` answers only once `release` exists: a request in flight for as long as a test needs.
    static let holdingServer = """
        import http.server, json, os, sys, time
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/hold":
                    while not os.path.exists(sys.argv[2]):
                        time.sleep(0.02)
                data = json.dumps({"version": os.environ["VERSION"], "variant": os.environ.get("CAPSTAN_VARIANT", "")}).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()

        """

    @Test func aRequestTheReplacedWorkerStillServesEndsBeforeItsInstanceStops() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin(drainSeconds: 60)
            let release = fixture.root + "/release"
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            let v2 = try fixture.checkout(Self.v2, version: "2.0.0", replicas: 1,
                                          command: #"["python3", "hold.py", "${PORT}", "\#(release)"]"#)
            try Self.holdingServer.write(toFile: v2.directory + "/hold.py", atomically: true, encoding: .utf8)
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0,
                                    options: ProcessPluginFixture.replicas(.number(1)))
            try await fixture.stage(plugin, .trafficRouting, commit: Self.v2, previous: Self.v1, index: 1,
                                    options: ProcessPluginFixture.traffic(canary: 100))

            // A request held on the canary, accepted by the worker that PRIMARY_ROLLOUT's reload replaces.
            let port = fixture.frontendPort
            let held = Task.detached { await onThread { LoopbackSockets.httpGet(port: port, path: "/hold", timeout: .seconds(90)) } }
            let canary = try #require(try fixture.running(.canary, Self.v2).first)
            let haproxy = fixture.haproxy
            let backend = try #require(try fixture.state().services.values.first?.backendName)
            while (haproxy.currentSessions(backend: backend, server: canary.serverName) ?? 0) == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await fixture.stage(plugin, .primaryRollout, commit: Self.v2, previous: Self.v1, index: 2)
            #expect(await Self.leaving(haproxy)?.isEmpty == false, "the replaced worker still serves the held request")
            try await fixture.stage(plugin, .trafficRouting, commit: Self.v2, previous: Self.v1, index: 3,
                                    options: ProcessPluginFixture.traffic(primary: 100))
            #expect(haproxy.currentSessions(backend: backend, server: canary.serverName) == 0,
                    "the new worker sees no session on the canary: only the old one knows of the request")

            let log = StageLogLines()
            let clean = Task { try await fixture.stage(plugin, .canaryClean, commit: Self.v2, previous: Self.v1, index: 4, log: log) }
            try await Task.sleep(for: .milliseconds(500))
            #expect(canary.process.isAlive, "the canary stopped under a request in flight")
            #expect(FileManager.default.createFile(atPath: release, contents: nil))
            _ = try await clean.value

            let answer = await held.value
            #expect(answer?.status == 200, "the held request was cut: \(String(describing: answer))")
            #expect(answer?.body.contains("\"canary\"") == true)
            #expect(log.all.contains { $0.contains("drained 1 instance(s)") }, "\(log.all)")
            #expect(!canary.process.isAlive)
            #expect(await Self.leaving(haproxy) == [])
        }
    }

    @Test func aReloadKeepsTheHealthEachServerHadEarned() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 2)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 1)
            try await fixture.stage(plugin, .sync, commit: Self.v1, deployment: "d-1", index: 0)
            let haproxy = fixture.haproxy
            // A fresh worker gives each server the health of a first check (1); a passed check makes it 3.
            while try Self.health(haproxy).values.contains(where: { $0 < 3 }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            let primaries = try Self.health(haproxy).keys.sorted()
            #expect(primaries.count == 2)

            try await fixture.stage(plugin, .canaryRollout, commit: Self.v2, previous: Self.v1, index: 0,
                                    options: ProcessPluginFixture.replicas(.number(1)))
            let after = try Self.health(haproxy)
            #expect(after.count == 3, "\(after)")
            for primary in primaries { #expect(after[primary] == 3, "\(primary) after the reload: \(after)") }
            let saved = try String(contentsOfFile: fixture.dataDirectory + "/haproxy-servers.state", encoding: .utf8)
            #expect(saved == "1\n", "a saved state must not outlive its reload")
        }
    }

    @Test func oldWorkersAreReadFromTheMasterCLI() {
        let text = """
            #<PID>          <type>          <reloads>       <uptime>        <version>
            9391            master          2 [failed: 0]   0d00h10m09s     2.6.12
            # workers
            9867            worker          0               0d00h00m00s     2.6.12
            # old workers
            9801            worker          1               0d00h00m03s     2.6.12
            9700            worker          2               0d00h00m09s     2.6.12
            # programs

            """
        #expect(HAProxyController.oldWorkers(inShowProc: text) == [9801, 9700])
        #expect(HAProxyController.oldWorkers(inShowProc: "#<PID> <type>\n1 master\n# workers\n2 worker\n# programs\n") == [])
    }
}
