import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// ANALYSIS for real: `capstan serve`, HAProxy's exporter scraped by a real Prometheus every second,
/// a load through the frontend, and a canary judged against its baseline on its 5xx ratio.
@Suite(.serialized, .timeLimit(.minutes(3))) struct AnalysisEndToEndTests {
    static let errorRatio = #"sum(rate(haproxy_server_http_responses_total{proxy="be_{{app}}_{{app}}",server=~"{{variant}}-.*",code="5xx"}[5s])) / sum(rate(haproxy_server_http_responses_total{proxy="be_{{app}}_{{app}}",server=~"{{variant}}-.*"}[5s]))"#

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
              duration: 16s
              metrics:
                - name: error-ratio
                  provider: prometheus
                  strategy: canary-baseline
                  interval: 2s
                  initialDelay: 6s
                  minSamples: 4
                  consecutiveErrorLimit: 2
                  direction: increase
                  query: '\(errorRatio)'
          - stage: PRIMARY_ROLLOUT
          - stage: TRAFFIC_ROUTING
            with: {primary: 100}
          - stage: BASELINE_CLEAN
          - stage: CANARY_CLEAN

        """

    @Test func aGoodCanaryIsPromotedABadOneRolledBackAndNoneWithoutPrometheus() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        let prometheus = try await PrometheusProcess(targets: ["127.0.0.1:\(fixture.metricsPort)"])
        defer { prometheus.stop() }
        try fixture.appendServerConfig("analysisProviders:\n  - {name: prometheus, type: prometheus, url: \"\(prometheus.url.absoluteString)\", timeout: 2s}")
        try fixture.configure("hello", Self.pipeline)
        try fixture.push("pipeline with analysis")
        try fixture.startServer()
        #expect(await fixture.eventually {
            (await fixture.app("hello"))?["status"] as? String == "SYNCED" && fixture.running("hello").count == 2
        }, "\(fixture.serverLog)")
        let load = fixture.load("hello")

        // A good v2: judged like its baseline, promoted.
        try fixture.setVersion("hello", "2.0.0")
        let good = try fixture.push("v2").hex
        let promoted = await fixture.waitForEnd("hello", at: good)
        #expect(promoted?["state"] as? String == "SUCCESS", "\(String(describing: promoted?["reason"])) \(prometheus.log().suffix(2000))")
        let analysis = ((promoted?["stages"] as? [[String: Any]])?[3])?["analysis"] as? [String: Any]
        #expect(analysis?["result"] as? String == "pass", "\(String(describing: analysis))")
        #expect(await fixture.eventually(10) { fixture.running("hello") == ["primary 2.0.0", "primary 2.0.0"] })
        let goodSeen = await load.stop()
        #expect(goodSeen.failures == [], "\(goodSeen.answers)")

        // A bad v3 serving 30% 5xx: High as soon as it has its minimum samples, rolled back, out of traffic.
        let badLoad = fixture.load("hello")
        try fixture.setVersion("hello", "3.0.0", errorRate: 0.3)
        let bad = try fixture.push("v3 with errors").hex
        let rolledBack = await fixture.waitForEnd("hello", at: bad)
        #expect(rolledBack?["state"] as? String == "FAILURE")
        #expect((rolledBack?["reason"] as? String)?.contains("stage 3 ANALYSIS failed: analysis fail") == true,
                "\(String(describing: rolledBack?["reason"]))")
        let verdicts = ((((rolledBack?["stages"] as? [[String: Any]])?[3])?["analysis"] as? [String: Any])?["metrics"]
            as? [[String: Any]])?.first
        #expect(verdicts?["classification"] as? String == "High", "\(String(describing: verdicts))")
        // Judged at its minimum samples (or within the round after), not at the end of the analysis.
        #expect((verdicts?["experimentSamples"] as? Int).map { (4...5).contains($0) } == true, "\(String(describing: verdicts))")
        _ = await badLoad.stop()
        let after = await fixture.sample("hello", count: 300)
        #expect(after.failures == [] && after.answers == ["primary 2.0.0": 300], "\(after)")
        #expect(fixture.running("hello") == ["primary 2.0.0", "primary 2.0.0"])

        // Prometheus gone during the analysis of a good v4: never promoted.
        let quiet = fixture.load("hello")
        try fixture.setVersion("hello", "4.0.0")
        let blind = try fixture.push("v4 while Prometheus is down").hex
        #expect(await fixture.waitForStage("hello", at: blind, 3) != nil)
        prometheus.stop()
        let unseen = await fixture.waitForEnd("hello", at: blind)
        #expect(unseen?["state"] as? String == "FAILURE")
        #expect((unseen?["reason"] as? String)?.contains("provider errors in a row") == true, "\(String(describing: unseen?["reason"]))")
        #expect(ServeFixture.stageState(unseen, 4) == "SKIPPED", "PRIMARY_ROLLOUT never ran")
        let quietSeen = await quiet.stop()
        #expect(quietSeen.failures == [])
        #expect(await fixture.eventually(10) { fixture.running("hello") == ["primary 2.0.0", "primary 2.0.0"] })
    }
}
