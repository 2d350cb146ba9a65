import CapstanAnalysis
import CapstanCore
import CapstanEngine
import CapstanPluginKit
import CapstanTesting
import Foundation
import Synchronization
import Testing

/// A provider whose canary answers one value and every other variant another.
struct TwoValueProvider: MetricProvider {
    let canary: Double
    let others: Double

    func measure(_ query: String, at time: Date) async throws(ProviderError) -> CapstanAnalysis.Measurement {
        .value(query.contains("canary") ? canary : others)
    }

    func measureRange(_ query: String, from start: Date, to end: Date, step: Duration) async throws(ProviderError) -> [Double] {
        []
    }
}

/// ANALYSIS as a stage of a deployment: it gates promotion, its failure rolls back, and every
/// measurement and verdict lands in the store.
@Suite struct AnalysisStageTests {
    static func pipeline() -> [StageSpec] {
        var metric = MetricSpec(name: "error-rate", provider: "prom", query: #"errors{variant="{{variant}}"}"#)
        metric.strategy = .canaryBaseline
        metric.interval = .seconds(10)
        metric.minSamples = 4
        metric.direction = .increase
        return [StageSpec(.canaryRollout, options: .rollout(replicas: .count(1))),
                StageSpec(.baselineRollout, options: .rollout(replicas: .count(1))),
                StageSpec(.analysis, options: .analysis(AnalysisOptions(duration: .seconds(60), metrics: [metric]))),
                StageSpec(.primaryRollout)]
    }

    func run(canary: Double, baseline: Double) async throws -> (DeploymentRunnerTests.Setup, DeploymentRunner, DeploymentID, DeploymentState) {
        let setup = try DeploymentRunnerTests.Setup(pipeline: Self.pipeline())
        let runner = DeploymentRunner(store: setup.store, loader: FixedContext(app: setup.app), platforms: ["local": setup.platform],
                                      analysisProviders: ["prom": TwoValueProvider(canary: canary, others: baseline)],
                                      clock: setup.clock, now: { DeploymentRunnerTests.t0 })
        let id = try await setup.create(strategy: .pipeline)
        let done = Mutex(false)
        let task = Task {
            defer { done.withLock { $0 = true } }
            return try await runner.run(id)
        }
        while !done.withLock({ $0 }) {
            if !setup.clock.pendingSleeps.isEmpty { setup.clock.advanceToNextDeadline() }
            await Task.yield()
        }
        return (setup, runner, id, try await task.value)
    }

    @Test func aHealthyCanaryIsPromotedAndItsVerdictsAreStored() async throws {
        let (setup, _, id, state) = try await run(canary: 0.01, baseline: 0.01)
        #expect(state == .success)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .baselineRollout, .primaryRollout])
        let events = try await setup.store.events(of: id, stage: 2, kind: nil, after: 0, limit: 1000)
        #expect(events.filter { $0.kind == .analysisMeasurement }.count == 12)  // 6 rounds × canary and baseline
        #expect(events.filter { $0.kind == .analysisVerdict }.compactMap { $0.data["classification"] }.suffix(3)
            == ["Pass", "Pass", "Pass"])
        let result = try #require(events.last { $0.kind == .analysisResult })
        #expect(result.data["result"] == "pass" && result.data["score"] == "100.0")
    }

    @Test func aCanaryWithMoreErrorsFailsTheAnalysisAndRollsBack() async throws {
        let (setup, _, id, state) = try await run(canary: 0.3, baseline: 0.01)
        #expect(state == .failure)
        #expect(setup.platform.calls.map(\.stage) == [.canaryRollout, .baselineRollout, .rollback])
        let deployment = try #require(try await setup.store.deployment(id))
        #expect(deployment.reason?.hasPrefix("stage 2 ANALYSIS failed: analysis fail (score 0): error-rate failed:") == true,
                "\(deployment.reason ?? "")")
        let verdicts = try await setup.store.events(of: id, stage: 2, kind: .analysisVerdict, after: 0, limit: 100)
        #expect(verdicts.compactMap { $0.data["classification"] } == ["Nodata", "Nodata", "Nodata", "High"])
        #expect(verdicts.last?.data["estimate"].flatMap(Double.init).map { abs($0 - 0.29) < 1e-9 } == true)
    }

    @Test func aMissingProviderFailsTheStageWithAClearReason() async throws {
        let setup = try DeploymentRunnerTests.Setup(pipeline: Self.pipeline())
        let id = try await setup.create(strategy: .pipeline)
        #expect(try await setup.runner.run(id) == .failure)
        #expect(try await setup.store.deployment(id)?.reason?.contains(#"no analysis provider named "prom" in the server config"#) == true)
    }
}
