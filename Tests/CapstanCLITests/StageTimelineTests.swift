@testable import CapstanCLI
import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Testing

/// The stage timeline of `capstan deployment get`: what each stage does, how long it took, why it failed.
@Suite struct StageTimelineTests {
    static let id = DeploymentID(rawValue: "d-0003")
    static func at(_ seconds: Double) -> Date { ServerFixture.t0.addingTimeInterval(seconds) }

    /// A canary that failed its analysis on the second attempt and is rolling back.
    static let stages = [
        StageRecord(deployment: id, index: 0, kind: .canaryRollout, options: StageOptions.rollout(replicas: .percent(50)).json,
                    state: .success, attempts: 1, startedAt: at(0), finishedAt: at(4.25)),
        StageRecord(deployment: id, index: 1, kind: .trafficRouting,
                    options: StageOptions.trafficRouting(TrafficWeights(primary: 90, canary: 10)).json, state: .success,
                    attempts: 1, startedAt: at(5), finishedAt: at(5.5)),
        StageRecord(deployment: id, index: 2, kind: .analysis,
                    options: .object(["duration": .string("2m"), "metrics": .array([.string("error-rate")])]),
                    state: .failure, attempts: 2, reason: "error-rate 3.2 > 0.5", startedAt: at(6), finishedAt: at(126)),
        StageRecord(deployment: id, index: 3, kind: .wait, options: StageOptions.wait(duration: .seconds(300)).json,
                    state: .skipped, reason: "an earlier stage failed", finishedAt: at(126)),
        StageRecord(deployment: id, index: 4, kind: .trafficRouting,
                    options: StageOptions.trafficRouting(TrafficWeights(primary: 100)).json, state: .skipped,
                    reason: "an earlier stage failed", finishedAt: at(126)),
        StageRecord(deployment: id, index: 5, kind: .rollback, state: .running, attempts: 1, startedAt: at(127)),
    ]

    @Test func showsWeightsDurationsAttemptsAndFailures() {
        let lines = StageTimeline.lines(Self.stages.map { StageView($0) }, now: Self.at(3727))
        #expect(lines == [
            "#  STAGE            STATE    STARTED   TOOK               DETAILS",
            "0  CANARY_ROLLOUT   SUCCESS  12:00:00  4.2s               replicas 50%",
            "1  TRAFFIC_ROUTING  SUCCESS  12:00:05  0.5s               primary 90% canary 10%",
            "2  ANALYSIS         FAILURE  12:00:06  2m00s              for 2m: error-rate; 2 attempts; error-rate 3.2 > 0.5",
            "3  WAIT             SKIPPED  -         -                  wait 5m",
            "4  TRAFFIC_ROUTING  SKIPPED  -         -                  primary 100%",
            "5  ROLLBACK         RUNNING  12:02:07  running for 1h00m",
        ])
    }

    @Test func showsEachAnalysisWithItsScoreAndVerdicts() throws {
        let json = #"""
            {"index": 2, "kind": "ANALYSIS", "options": {}, "state": "FAILURE", "attempts": 1, "reason": null,
             "startedAt": null, "finishedAt": null,
             "analysis": {"score": 0, "result": "fail", "reason": "error-ratio failed",
               "metrics": [{"name": "error-ratio", "classification": "High", "critical": false, "experimentSamples": 4,
                            "controlSamples": 4, "failures": 1, "pValue": 0.0286, "estimate": 0.29, "lower": 0.28,
                            "upper": 0.31, "effectSize": null, "reason": "the canary is higher"},
                           {"name": "latency", "classification": "Pass", "critical": false, "experimentSamples": 4,
                            "controlSamples": 4, "failures": 0, "pValue": null, "estimate": null, "lower": null,
                            "upper": null, "effectSize": null, "reason": "fine"}]}}
            """#
        let stage = try JSONDecoder().decode(StageView.self, from: Data(json.utf8))
        #expect(StageTimeline.analysisLines([stage]) == [
            "Analysis (stage 2): fail, score 0 — error-ratio failed",
            "  METRIC       VERDICT  SAMPLES  SHIFT  INTERVAL        P       WHY",
            "  error-ratio  High     4+4      +0.29  [+0.28, +0.31]  0.0286  the canary is higher",
            "  latency      Pass     4+4      -      -               -       fine",
        ])
        #expect(StageTimeline.analysisLines(Self.stages.map { StageView($0) }).isEmpty)
    }

    static let durations: [(seconds: Double, text: String)] = [
        (0, "0.0s"), (0.46, "0.4s"), (4.25, "4.2s"), (59.99, "59.9s"), (60, "1m00s"), (125, "2m05s"), (3599, "59m59s"),
        (3600, "1h00m"), (3725, "1h02m"), (86_399, "23h59m"), (86_400, "1d00h"), (270_000, "3d03h"), (-5, "0.0s"),
    ]

    @Test(arguments: durations)
    func durationsArePreciseWhenShortAndRoundedDownWhenLong(_ duration: (seconds: Double, text: String)) {
        #expect(ClockText.elapsed(duration.seconds) == duration.text)
    }

    @Test func timesAreUTCWithOptionalMilliseconds() {
        #expect(ClockText.time(Self.at(0)) == "12:00:00")
        #expect(ClockText.time(Self.at(0), milliseconds: true) == "12:00:00.250")
        #expect(ClockText.time(Self.at(43_199.749), milliseconds: true) == "23:59:59.999")
        #expect(ClockText.time(Self.at(43_199.751), milliseconds: true) == "00:00:00.001")
    }

    @Test func aStageWithoutRecordedOptionsShowsNoSettings() {
        let bare = StageRecord(deployment: Self.id, index: 0, kind: .trafficRouting, state: .notStarted)
        #expect(StageTimeline.details(StageView(bare)) == "")
    }

    /// `--output json` is the API's view: the same stages with their options, times and reasons.
    @Test func theJSONFormCarriesTheOptions() async throws {
        let store = try await ServerFixture.store()
        let deployment = Deployment(id: Self.id, app: "checkout", commit: ServerFixture.commit("d"),
                                    previousCommit: ServerFixture.commit("a"), trigger: .commit, strategy: .pipeline,
                                    state: .rollingBack, createdAt: Self.at(0))
        try await store.write([.insertDeployment(deployment, stages: Self.stages)], events: [])
        try await ServerFixture.withServer(store: store) { server in
            let result = try await capstan(["deployment", "get", "d-0003", "--server", server, "--output", "json"])
            #expect(result.status == 0)
            let json = try JSONDecoder().decode(JSONValue.self, from: Data(result.out.utf8))
            guard case .array(let stages)? = json["stages"] else { Issue.record("no stages"); return }
            #expect(stages[1]["options"] == .object(["primary": .number(90), "canary": .number(10), "baseline": .number(0)]))
            #expect(stages[2]["attempts"] == .number(2) && stages[2]["reason"] == .string("error-rate 3.2 > 0.5"))
            #expect(stages[5]["startedAt"] == .string("2025-03-01T12:02:07.250000Z") && stages[5]["finishedAt"] == .null)
        }
    }
}
