import CapstanCore
import CapstanEngine
import CapstanPluginKit
import CapstanStore
import Foundation

/// What the controller adds to each stage: deployments of an 8-stage pipeline, one after another, by the
/// real `DeploymentRunner` on a `SQLiteDeploymentStore` file, against `capstan-plugin-null` — a real plugin
/// process, started once, that answers success at once — through the real `PluginHost`. The baseline is
/// the bare `executeStage` round trip through the same host to the same process, with the same params:
/// no store, no state machine.
///
/// One sample is one stage. A stage's time runs from the runner's asking the plugin to run it to its asking
/// for the next: the plugin round trip, the transition that ends the stage and starts the next (computed,
/// then persisted with its events in one transaction), and whatever the runner does in between. The first
/// stage also carries the deployment's start (reading it, the PLANNED and RUNNING transitions), the last
/// its end (the final transition with the application's record, `finishDeployment`): a deployment's 8
/// samples add up to the wall time of `run`. Creating the deployment is the reconciler's work and is not timed.
struct StageOverheadScenario: Scenario {
    let name = "controller overhead per stage, 8-stage pipeline, null plugin"
    let goal = "p99 < 20 ms"
    /// Deployments: 8,000 stages.
    let iterations = 1_000

    /// The checkout example's pipeline with its ANALYSIS replaced by a TRAFFIC_ROUTING step: every stage
    /// runs on the platform (a WAIT of zero is not valid config).
    static let pipeline: [StageSpec] = [
        StageSpec(.canaryRollout, options: .rollout(replicas: .count(1))),
        StageSpec(.baselineRollout, options: .rollout(replicas: .count(1))),
        StageSpec(.trafficRouting, options: .trafficRouting(TrafficWeights(primary: 90, canary: 5, baseline: 5))),
        StageSpec(.trafficRouting, options: .trafficRouting(TrafficWeights(primary: 80, canary: 10, baseline: 10))),
        StageSpec(.primaryRollout),
        StageSpec(.trafficRouting, options: .trafficRouting(TrafficWeights(primary: 100))),
        StageSpec(.baselineClean),
        StageSpec(.canaryClean),
    ]

    /// The checkout example's manifest: the params carry it to the plugin at every stage.
    static let manifest = """
        apiVersion: capstan/v1
        kind: ProcessService
        name: checkout
        command: ["python3", "server.py", "--port", "${PORT}"]
        env: {VERSION: "2.4.0"}
        replicas: 2
        port: 18081
        health: {http: /healthz, timeout: 10s}

        """

    private var fixture: StageOverheadFixture?

    mutating func prepare() async throws {
        let fixture = try StageOverheadFixture(pipeline: Self.pipeline, manifest: Self.manifest)
        self.fixture = fixture
        // Starts the plugin, and checks that a deployment runs every stage and ends SUCCESS before timing one.
        _ = try await fixture.host.capabilities()
        let id = try await fixture.create()
        let state = try await fixture.runner.run(id)
        let asked = fixture.platform.take().map(\.kind)
        let stages = try await fixture.store.stages(of: id).map(\.state)
        guard state == .success, asked == Self.pipeline.map(\.kind),
              stages == Array(repeating: .success, count: Self.pipeline.count) + [.skipped] else {
            throw BenchError("a deployment ended \(state.rawValue), ran \(asked), stages \(stages)")
        }
        let result = try await fixture.host.executeStage(fixture.params(.random(), stage: 0))
        guard result.status == .success else { throw BenchError("the null plugin answered \(result)") }
    }

    func ours() async throws {
        _ = try await stageTimes(.ours)
    }

    func baseline() async throws {
        _ = try await stageTimes(.baseline)
    }

    /// One sample per stage: `iterations` deployments (or a deployment's worth of round trips) give 8 each.
    func samples(_ side: Side, warmup: Int, iterations: Int) async throws -> [Duration] {
        for _ in 0..<warmup { _ = try await stageTimes(side) }
        var byStage = Array(repeating: [Duration](), count: Self.pipeline.count)
        for _ in 0..<iterations {
            for (index, time) in try await stageTimes(side).enumerated() { byStage[index].append(time) }
        }
        if side == .ours { Self.printBreakdown(byStage) }
        return byStage.flatMap(\.self)
    }

    mutating func tearDown() async {
        await fixture?.close()
        fixture = nil
    }

    /// Runs one deployment (ours) or its stages' bare round trips (baseline) and times each stage.
    private func stageTimes(_ side: Side) async throws -> [Duration] {
        guard let fixture else { throw BenchError("not prepared") }
        switch side {
        case .ours:
            let id = try await fixture.create()
            let start = ContinuousClock.now
            let state = try await fixture.runner.run(id)
            let end = ContinuousClock.now
            let marks = fixture.platform.take().map(\.at)
            guard state == .success, marks.count == Self.pipeline.count else {
                throw BenchError("deployment \(id) ended \(state.rawValue) after \(marks.count) stages")
            }
            // Stage i runs from its mark (the first from `run`'s start) to the next mark (the last to `run`'s end).
            return zip([start] + marks.dropFirst(), marks.dropFirst() + [end]).map { $1 - $0 }
        case .baseline:
            let id = DeploymentID.random()
            var times: [Duration] = []
            for index in Self.pipeline.indices {
                let params = fixture.params(id, stage: index)
                let start = ContinuousClock.now
                let result = try await fixture.host.executeStage(params)
                times.append(ContinuousClock.now - start)
                guard result.status == .success else { throw BenchError("the null plugin answered \(result)") }
            }
            return times
        }
    }

    /// Where the time goes: the first stage (the deployment's start), the middle ones, the last (its end).
    private static func printBreakdown(_ byStage: [[Duration]]) {
        func text(_ timing: Timing) -> String { String(format: "%.3f (%.3f) ms", timing.medianMs, timing.p99Ms) }
        let deployments = (0..<(byStage.first?.count ?? 0)).map { run in byStage.reduce(Duration.zero) { $0 + $1[run] } }
        print("  ours, median (p99): first stage \(text(Timing(byStage[0]))), "
            + "stages 2-\(byStage.count - 1) \(text(Timing(byStage.dropFirst().dropLast().flatMap(\.self)))), "
            + "last stage \(text(Timing(byStage[byStage.count - 1]))); whole deployment \(text(Timing(deployments)))")
    }
}
