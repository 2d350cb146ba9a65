import CapstanCore
import CapstanTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Canary and blue-green through `capstan serve`: real HAProxy weights, real processes, a load through
/// the frontend during every rollout, rollbacks automatic and by hand, and `kill -9` mid-stage.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ProgressiveEndToEndTests {
    static let canary = """
        pipeline:
          - stage: CANARY_ROLLOUT
            with: {replicas: 1}
          - stage: TRAFFIC_ROUTING
            with: {primary: 90, canary: 10}
          - stage: WAIT
            with: {duration: 15s}
          - stage: TRAFFIC_ROUTING
            with: {primary: 50, canary: 50}
          - stage: WAIT
            with: {duration: 15s}
          - stage: PRIMARY_ROLLOUT
          - stage: TRAFFIC_ROUTING
            with: {primary: 100}
          - stage: CANARY_CLEAN

        """
    static let blueGreen = """
        pipeline:
          - stage: CANARY_ROLLOUT
            with: {replicas: 100%}
          - stage: TRAFFIC_ROUTING
            with: {canary: 100}
          - stage: PRIMARY_ROLLOUT
          - stage: TRAFFIC_ROUTING
            with: {primary: 100}
          - stage: CANARY_CLEAN

        """

    /// Share of `who` among the answers.
    static func share(_ who: String, _ answers: [String: Int]) -> Double {
        Double(answers[who] ?? 0) / Double(max(1, answers.values.reduce(0, +)))
    }

    @Test func canaryWeightsHoldAndBothRecipesServeEveryRequest() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.configure("hello", Self.canary)
        try fixture.setVersion("hello", "1.0.0", replicas: 4)
        try fixture.configure("other", Self.blueGreen)
        try fixture.push("pipelines")
        try fixture.startServer()
        #expect(await fixture.eventually {
            let hello = await fixture.version("hello")
            let other = (await fixture.app("other"))?["status"] as? String
            let helloStatus = (await fixture.app("hello"))?["status"] as? String
            return hello == "1.0.0" && fixture.running("hello").count == 4 && other == "SYNCED" && helloStatus == "SYNCED"
        }, "\(fixture.serverLog)")

        let helloLoad = fixture.load("hello"), otherLoad = fixture.load("other")
        try fixture.setVersion("hello", "2.0.0", replicas: 4)
        try fixture.setVersion("other", "2.0.0")
        let v2 = try fixture.push("v2 of both").hex

        // One canary instance beside four primary ones still gets its share: per variant, not per instance.
        #expect(await fixture.waitForStage("hello", at: v2, 2) != nil, "\(fixture.serverLog)")
        let at10 = await fixture.sample("hello")
        #expect(at10.failures == [])
        #expect((0.05...0.15).contains(Self.share("canary 2.0.0", at10.answers)), "\(at10.answers)")
        #expect(await fixture.waitForStage("hello", at: v2, 4) != nil)
        let at50 = await fixture.sample("hello")
        #expect((0.40...0.60).contains(Self.share("canary 2.0.0", at50.answers)), "\(at50.answers)")

        let hello = await fixture.waitForEnd("hello", at: v2)
        let other = await fixture.waitForEnd("other", at: v2)
        #expect(hello?["state"] as? String == "SUCCESS", "\(String(describing: hello))")
        #expect(other?["state"] as? String == "SUCCESS", "\(String(describing: other))")
        #expect(await fixture.eventually(15) {
            fixture.running("hello") == Array(repeating: "primary 2.0.0", count: 4)
                && fixture.running("other") == ["primary 2.0.0", "primary 2.0.0"]
        }, "\(fixture.running("hello")) \(fixture.running("other"))")
        let helloSeen = await helloLoad.stop(), otherSeen = await otherLoad.stop()
        #expect(helloSeen.failures == [], "canary rollout: \(helloSeen.answers); HAProxy: \(fixture.haproxyLog)")
        #expect(otherSeen.failures == [], "blue-green: \(otherSeen.answers); HAProxy: \(fixture.haproxyLog)")
        #expect(otherSeen.answers["canary 2.0.0", default: 0] > 0, "blue-green served from the new side: \(otherSeen.answers)")
    }

    @Test func aCanaryThatDiesOrNeverGetsReadyRollsBackWhilePrimaryServes() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.configure("hello", Self.canary)
        try fixture.push("pipeline")
        try fixture.startServer()
        #expect(await fixture.eventually {
            (await fixture.app("hello"))?["status"] as? String == "SYNCED" && fixture.running("hello") == ["primary 1.0.0", "primary 1.0.0"]
        }, "\(fixture.serverLog)")
        let load = fixture.load("hello")

        try fixture.setVersion("hello", "2.0.0", command: #"["python3", "-c", "import sys; sys.exit(3)"]"#)
        let dies = try fixture.push("v2 exits at start").hex
        let died = await fixture.waitForEnd("hello", at: dies)
        #expect(died?["state"] as? String == "FAILURE")
        #expect((died?["reason"] as? String)?.contains("stage 0 CANARY_ROLLOUT failed") == true, "\(String(describing: died))")
        #expect(ServeFixture.stageState(died, 8) == "SUCCESS", "the ROLLBACK stage ran")

        let started = Date()
        try fixture.setVersion("hello", "3.0.0", healthTimeout: "3s", command: #"["sleep", "600"]"#)
        let stuck = try fixture.push("v3 never healthy").hex
        let neverReady = await fixture.waitForEnd("hello", at: stuck)
        #expect(neverReady?["state"] as? String == "FAILURE")
        #expect((neverReady?["reason"] as? String)?.contains("was not ready within 3s") == true, "\(String(describing: neverReady))")
        #expect(Date().timeIntervalSince(started) < 30)

        #expect(await fixture.eventually(10) { fixture.running("hello") == ["primary 1.0.0", "primary 1.0.0"] },
                "\(fixture.running("hello"))")
        let seen = await load.stop()
        #expect(seen.failures == [], "primary answered every request: \(seen.answers)")
        #expect(Set(seen.answers.keys) == ["primary 1.0.0"])
    }

    @Test func rollbackByHandRestoresPrimaryAndCancelWithoutRollbackLeavesTheVariants() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.configure("hello", """
            pipeline:
              - stage: CANARY_ROLLOUT
                with: {replicas: 1}
              - stage: TRAFFIC_ROUTING
                with: {primary: 50, canary: 50}
              - stage: WAIT
                with: {duration: 5m}
              - stage: PRIMARY_ROLLOUT

            """)
        try fixture.push("pipeline")
        try fixture.startServer()
        #expect(await fixture.eventually {
            (await fixture.app("hello"))?["status"] as? String == "SYNCED" && fixture.running("hello") == ["primary 1.0.0", "primary 1.0.0"]
        }, "\(fixture.serverLog)")

        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("v2").hex
        let waiting = try #require(await fixture.waitForStage("hello", at: v2, 2), "\(fixture.serverLog)")
        let id = try #require(waiting["id"] as? String)
        let rollback = await fixture.post("/api/v1/deployments/\(id)/rollback")
        #expect(rollback.status == 202, "\(String(describing: rollback.body))")
        let rolledBack = await fixture.waitForEnd("hello", at: v2)
        #expect(rolledBack?["state"] as? String == "FAILURE")
        #expect((rolledBack?["reason"] as? String)?.hasPrefix("rolled back by") == true, "\(String(describing: rolledBack))")
        let after = await fixture.sample("hello", count: 200)
        #expect(after.answers == ["primary 1.0.0": 200], "\(after)")
        #expect(await fixture.eventually(10) { fixture.running("hello") == ["primary 1.0.0", "primary 1.0.0"] })
        #expect(await fixture.post("/api/v1/deployments/\(id)/rollback").status == 409)

        try fixture.setVersion("hello", "3.0.0")
        let v3 = try fixture.push("v3").hex
        let waiting3 = try #require(await fixture.waitForStage("hello", at: v3, 2))
        let cancel = await fixture.post("/api/v1/deployments/\(waiting3["id"] as? String ?? "")/cancel", #"{"rollback": false}"#)
        #expect(cancel.status == 202, "\(String(describing: cancel.body))")
        let cancelled = await fixture.waitForEnd("hello", at: v3)
        #expect(cancelled?["state"] as? String == "CANCELLED")
        #expect((cancelled?["reason"] as? String)?.contains("no rollback: variants left as they are") == true)
        #expect(fixture.running("hello") == ["canary 3.0.0", "primary 1.0.0", "primary 1.0.0"])
        let split = await fixture.sample("hello", count: 200)
        #expect(split.failures == [] && split.answers["canary 3.0.0", default: 0] > 40, "\(split.answers)")
    }

    /// `kill -9` at the moment TRAFFIC_ROUTING is stored RUNNING, and later at the moment ROLLBACK is: after
    /// a restart each deployment ends as an uninterrupted one would, with no variant twice.
    @Test func aKill9DuringTrafficRoutingOrRollbackEndsAsIfUninterrupted() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.configure("hello", """
            pipeline:
              - stage: CANARY_ROLLOUT
                with: {replicas: 1}
              - stage: TRAFFIC_ROUTING
                with: {primary: 50, canary: 50}
              - stage: PRIMARY_ROLLOUT
              - stage: TRAFFIC_ROUTING
                with: {primary: 100}
              - stage: CANARY_CLEAN

            """)
        try fixture.push("pipeline")
        try fixture.startServer(environment: ["CAPSTAN_CRASH_AT": "before-stage:TRAFFIC_ROUTING"])
        #expect(await fixture.eventually {
            (await fixture.app("hello"))?["status"] as? String == "SYNCED" && fixture.running("hello") == ["primary 1.0.0", "primary 1.0.0"]
        }, "\(fixture.serverLog)")
        let load = fixture.load("hello")

        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("v2").hex
        #expect(await fixture.waitForServerExit(), "the crash point was reached")
        try fixture.startServer(environment: ["CAPSTAN_CRASH_AT": "before-stage:ROLLBACK"])
        let v2End = await fixture.waitForEnd("hello", at: v2)
        #expect(v2End?["state"] as? String == "SUCCESS", "\(fixture.serverLog)")
        #expect(((v2End?["stages"] as? [[String: Any]])?[1])?["attempts"] as? Int == 2)
        #expect(await fixture.eventually(10) { fixture.running("hello") == ["primary 2.0.0", "primary 2.0.0"] },
                "\(fixture.running("hello"))")

        try fixture.setVersion("hello", "3.0.0", command: #"["python3", "-c", "import sys; sys.exit(3)"]"#)
        let v3 = try fixture.push("v3 exits at start").hex
        #expect(await fixture.waitForServerExit(), "the crash point was reached")
        try fixture.startServer()
        let v3End = await fixture.waitForEnd("hello", at: v3)
        #expect(v3End?["state"] as? String == "FAILURE", "\(fixture.serverLog)")
        #expect(ServeFixture.stageState(v3End, 5) == "SUCCESS")
        #expect(await fixture.eventually(10) { fixture.running("hello") == ["primary 2.0.0", "primary 2.0.0"] },
                "\(fixture.running("hello"))")

        let log = fixture.serverLog
        #expect(log.contains("crash point before-stage:TRAFFIC_ROUTING reached") && log.contains("crash point before-stage:ROLLBACK reached"))
        let seen = await load.stop()
        #expect(seen.failures == [], "every request through both crashes: \(seen.answers)")
        let events = (await fixture.api("/api/v1/events?after=0&limit=1000") as? [[String: Any]]) ?? []
        let sequences = events.compactMap { $0["sequence"] as? Int }
        #expect(!sequences.isEmpty && sequences == (0..<sequences.count).map { $0 + 1 }, "gap-free and in order")
    }
}
