import CapstanCore
import CapstanServer
import Foundation
import Testing

/// The deployment view shows each ANALYSIS stage's latest verdict per metric and its score.
@Suite struct AnalysisViewTests {
    static let id = DeploymentID(rawValue: "d-0009")
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func event(_ sequence: Int64, _ kind: EventKind, stage: Int, _ data: [String: String]) -> Event {
        Event(sequence: sequence, NewEvent(kind: kind, at: t0.addingTimeInterval(Double(sequence)), app: "web", deployment: id,
                                           stageIndex: stage, message: "m", data: data))
    }

    @Test func eachAnalysisStageCarriesItsLatestVerdictsAndScore() throws {
        let deployment = Deployment(id: Self.id, app: "web", commit: CommitID(String(repeating: "2", count: 40))!,
                                    previousCommit: nil, trigger: .commit, strategy: .pipeline, createdAt: Self.t0)
        let stages = [StageRecord(deployment: Self.id, index: 0, kind: .canaryRollout, state: .success),
                      StageRecord(deployment: Self.id, index: 1, kind: .analysis, state: .failure),
                      StageRecord(deployment: Self.id, index: 2, kind: .rollback, state: .success)]
        let events = [
            Self.event(1, .analysisMeasurement, stage: 1, ["metric": "error-rate", "variant": "canary", "value": "0.3"]),
            Self.event(2, .analysisVerdict, stage: 1, ["metric": "error-rate", "classification": "Nodata", "experimentSamples": "1",
                                                       "controlSamples": "1", "reason": "too few"]),
            Self.event(3, .analysisVerdict, stage: 1, ["metric": "latency", "classification": "Pass", "experimentSamples": "1",
                                                       "controlSamples": "1", "reason": "fine"]),
            Self.event(4, .analysisVerdict, stage: 1, [
                "metric": "error-rate", "classification": "High", "critical": "false", "experimentSamples": "4",
                "controlSamples": "4", "failures": "1", "pValue": "0.0286", "estimate": "0.29", "lower": "0.28", "upper": "0.31",
                "effectSize": "30", "reason": "the canary is higher"]),
            Self.event(5, .analysisResult, stage: 1, ["result": "fail", "score": "0", "reason": "error-rate failed"]),
        ]
        let view = DeploymentDetailView(deployment, stages: stages, approvals: [], events: events)
        #expect(view.stages[0].analysis == nil && view.stages[2].analysis == nil)
        let analysis = try #require(view.stages[1].analysis)
        #expect(analysis.score == 0 && analysis.result == "fail" && analysis.reason == "error-rate failed")
        #expect(analysis.metrics.map(\.name) == ["error-rate", "latency"])
        let errors = analysis.metrics[0]
        #expect(errors.classification == "High" && errors.experimentSamples == 4 && errors.failures == 1)
        #expect(errors.pValue == 0.0286 && errors.estimate == 0.29 && errors.lower == 0.28 && errors.upper == 0.31)
        #expect(analysis.metrics[1].estimate == nil)

        // In JSON: the numbers the judge had none for are null; a stage without analysis has no key.
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(view)) as? [String: Any]
        let stagesJSON = json?["stages"] as? [[String: Any]]
        #expect(stagesJSON?[0]["analysis"] == nil)
        let latency = ((stagesJSON?[1]["analysis"] as? [String: Any])?["metrics"] as? [[String: Any]])?[1]
        #expect(latency?["estimate"] is NSNull)
    }
}
