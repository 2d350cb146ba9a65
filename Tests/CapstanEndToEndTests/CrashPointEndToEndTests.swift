import CapstanCore
import CapstanTesting
import Foundation
import Synchronization
import Testing

/// The crash-point harness: a full canary — canary and baseline, a traffic split, analysis against a real
/// Prometheus, an approval, promotion, clean-up — with `capstan serve` SIGKILLed at every stage boundary in
/// turn (each stage stored RUNNING with its work not started, and its work done with the result not stored),
/// restarted after each, under a continuous load through HAProxy and with a notification receiver.
///
/// After the 18 crashes it checks what an uninterrupted run would give: SUCCESS, the new version on every
/// request, the event log gap-free with no transition twice, never two canaries or baselines at once, every
/// request of the load answered, and each event notified under one delivery id.
@Suite(.serialized, .timeLimit(.minutes(6))) struct CrashPointEndToEndTests {
    static let stages = ["CANARY_ROLLOUT", "BASELINE_ROLLOUT", "TRAFFIC_ROUTING", "ANALYSIS", "WAIT_APPROVAL",
                         "PRIMARY_ROLLOUT", "TRAFFIC_ROUTING", "BASELINE_CLEAN", "CANARY_CLEAN"]
    /// Every stage's two boundaries, in the order the deployment reaches them.
    static let points = stages.flatMap { ["before-stage:\($0)", "after-stage:\($0)"] }

    static let pipeline = """
        pipeline:
          - stage: CANARY_ROLLOUT
            with: {replicas: 1}
          - stage: BASELINE_ROLLOUT
            with: {replicas: 1}
          - stage: TRAFFIC_ROUTING
            with: {primary: 50, canary: 25, baseline: 25}
          - stage: ANALYSIS
            with:
              duration: 10s
              metrics:
                - name: error-ratio
                  provider: prometheus
                  strategy: canary-baseline
                  interval: 2s
                  initialDelay: 3s
                  minSamples: 3
                  consecutiveErrorLimit: 3
                  direction: increase
                  query: '\(AnalysisEndToEndTests.errorRatio)'
          - stage: WAIT_APPROVAL
            with: {minApprovals: 1}
          - stage: PRIMARY_ROLLOUT
          - stage: TRAFFIC_ROUTING
            with: {primary: 100}
          - stage: BASELINE_CLEAN
          - stage: CANARY_CLEAN

        """

    @Test func aCanarySIGKILLedAtEveryStageBoundaryEndsAsIfUninterrupted() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        let prometheus = try await PrometheusProcess(targets: ["127.0.0.1:\(fixture.metricsPort)"])
        defer { prometheus.stop() }
        let receiver = try await NotificationReceiver(secret: NotificationEndToEndTests.secret, failRequests: 0)
        defer { receiver.stop() }
        try fixture.appendServerConfig("""
            analysisProviders:
              - {name: prometheus, type: prometheus, url: "\(prometheus.url.absoluteString)", timeout: 2s}
            notifications:
              - name: ops
                url: "\(receiver.url)"
                events: ["deployment.*", stage.state_changed]
                secretEnv: CAPSTAN_E2E_NOTIFICATION_SECRET
            """)
        try fixture.configure("hello", Self.pipeline)
        try fixture.push("pipeline with analysis and approval")
        let secret = ["CAPSTAN_E2E_NOTIFICATION_SECRET": NotificationEndToEndTests.secret]
        try fixture.startServer(environment: secret)
        #expect(await fixture.eventually {
            (await fixture.app("hello"))?["status"] as? String == "SYNCED" && fixture.running("hello").count == 2
        }, "\(fixture.serverLog)")
        let load = fixture.load("hello")
        let watcher = VariantWatcher(fixture)

        // Down before the push, so that the first crash point is the deployment's very first stage.
        fixture.stopServer()
        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("v2").hex
        for point in Self.points {
            try fixture.startServer(environment: secret.merging(["CAPSTAN_CRASH_AT": point]) { $1 })
            if point == "after-stage:WAIT_APPROVAL" {
                // Approved while this server waits; it dies right after the stage ends.
                let waiting = await fixture.waitForStage("hello", at: v2, 4, seconds: 120)
                #expect(waiting != nil, "\(fixture.serverLog.suffix(3000))")
                let id = (await fixture.deployment("hello", at: v2))?["id"] as? String ?? ""
                let approved = await fixture.post("/api/v1/deployments/\(id)/approve")
                #expect(approved.status == 202, "\(String(describing: approved.body))")
            }
            #expect(await fixture.waitForServerExit(seconds: 120), "\(point) was not reached:\n\(fixture.serverLog.suffix(3000))")
            #expect(fixture.serverLog.contains("crash point \(point) reached"))
        }
        try fixture.startServer(environment: secret)
        let end = await fixture.waitForEnd("hello", at: v2, seconds: 120)
        #expect(end?["state"] as? String == "SUCCESS", "\(String(describing: end?["reason"]))\n\(fixture.serverLog.suffix(3000))")
        let stages = end?["stages"] as? [[String: Any]] ?? []
        #expect(stages.prefix(Self.stages.count).map { $0["state"] as? String }
            == Array(repeating: "SUCCESS", count: Self.stages.count), "\(stages)")
        // Each stage was cut off twice (before its work, then after it): a third attempt finished it, never more.
        #expect(stages.prefix(Self.stages.count).allSatisfy { $0["attempts"] as? Int == 3 }, "\(stages)")

        #expect(await fixture.eventually(20) { fixture.running("hello") == ["primary 2.0.0", "primary 2.0.0"] },
                "\(fixture.running("hello"))")
        let seen = await load.stop()
        let most = watcher.stop()
        #expect(seen.failures == [], "every request through 18 crashes: \(seen.answers)")
        #expect(most["canary", default: 0] <= 1 && most["baseline", default: 0] <= 1, "never two at once: \(most)")
        let after = await fixture.sample("hello", count: 300)
        #expect(after.failures == [] && after.answers == ["primary 2.0.0": 300], "\(after)")

        let events = await Self.allEvents(fixture)
        let sequences = events.compactMap { $0["sequence"] as? Int }
        #expect(!sequences.isEmpty && sequences == Array(1...sequences.count), "gap-free and in order")
        let transitions = events.filter { $0["deployment"] as? String == end?["id"] as? String }.compactMap { event -> String? in
            guard let kind = event["kind"] as? String, kind.hasSuffix("state_changed") else { return nil }
            let data = event["data"] as? [String: Any] ?? [:]
            return "\(kind) \(event["stageIndex"] as? Int ?? -1) \(data["from"] ?? "") → \(data["to"] ?? "") #\(data["attempt"] ?? "")"
        }
        #expect(Set(transitions).count == transitions.count, "no transition twice: \(transitions)")

        let expected = await NotificationEndToEndTests.deliveryIds(fixture)
        #expect(await fixture.eventually(60) { Set((try? await receiver.state())?.accepted ?? []) == Set(expected) },
                "every event notified under its one delivery id")
    }

    static func allEvents(_ fixture: ServeFixture) async -> [[String: Any]] {
        var all: [[String: Any]] = [], after = 0
        while let page = await fixture.api("/api/v1/events?after=\(after)&limit=1000") as? [[String: Any]], !page.isEmpty {
            all += page
            after = page.last?["sequence"] as? Int ?? after
        }
        return all
    }
}

/// Looks at the running instances every 50 ms on its own thread and keeps the most of each variant at once.
final class VariantWatcher: Sendable {
    private let most = Mutex<[String: Int]>([:])
    private let stopped = Atomic<Bool>(false)
    private let done = DispatchSemaphore(value: 0)
    private let fixture: ServeFixture

    init(_ fixture: ServeFixture) {
        self.fixture = fixture
        Thread { self.watch() }.start()
    }

    private func watch() {
        while !stopped.load(ordering: .relaxed) {
            var counts: [String: Int] = [:]
            for line in fixture.running("hello") { counts[String(line.split(separator: " ")[0]), default: 0] += 1 }
            most.withLock { most in most.merge(counts) { max($0, $1) } }
            Thread.sleep(forTimeInterval: 0.05)
        }
        done.signal()
    }

    /// Stops looking; the most instances of each variant seen at once.
    func stop() -> [String: Int] {
        stopped.store(true, ordering: .relaxed)
        done.wait()
        return most.withLock { $0 }
    }
}
