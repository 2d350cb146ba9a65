import CapstanAnalysis
import CapstanCore
import CapstanTesting
import Foundation
import Synchronization
import Testing

/// A provider answering from a script per variant (the runner's own logic is tested here; the real
/// Prometheus provider has tests of its own, and the end-to-end tests run both together).
final class ScriptedProvider: MetricProvider {
    enum Answer: Sendable { case value(Double), noData, down }
    private let state = Mutex<(script: [String: [Answer]], queries: [String], paths: [String?])>(([:], [], []))

    /// `script[variant]` answers in order; the last answer repeats.
    init(_ script: [String: [Answer]]) { state.withLock { $0.script = script } }

    var queries: [String] { state.withLock { $0.queries } }
    var paths: [String?] { state.withLock { $0.paths } }

    func measure(_ query: String, jsonPath: String?, at time: Date) async throws(ProviderError) -> CapstanAnalysis.Measurement {
        state.withLock { $0.paths.append(jsonPath) }
        return try await measure(query, at: time)
    }

    func measure(_ query: String, at time: Date) async throws(ProviderError) -> CapstanAnalysis.Measurement {
        let variant = ["canary", "baseline", "primary"].first { query.contains("variant=\"\($0)\"") } ?? "canary"
        let answer = state.withLock { state -> Answer in
            state.queries.append(query)
            guard var answers = state.script[variant], !answers.isEmpty else { return .noData }
            let next = answers.count > 1 ? answers.removeFirst() : answers[0]
            state.script[variant] = answers
            return next
        }
        switch answer {
        case .value(let value): return .value(value)
        case .noData: return .noData("empty result")
        case .down: throw ProviderError(.unavailable, "connection refused")
        }
    }

    func measureRange(_ query: String, from start: Date, to end: Date, step: Duration) async throws(ProviderError) -> [Double] {
        []
    }
}

@Suite struct AnalysisRunnerTests {
    static let v1 = CommitID(String(repeating: "1", count: 40))!
    static let v2 = CommitID(String(repeating: "2", count: 40))!
    static let target = AnalysisTarget(app: "web", deployment: "d-1", commit: v2, previousCommit: v1, previousWindowStart: nil)

    static func metric(_ strategy: AnalysisStrategy = .threshold, _ configure: (inout MetricSpec) -> Void = { _ in }) -> MetricSpec {
        var spec = MetricSpec(name: "error-rate", provider: "prom", query: #"errors{app="{{app}}",variant="{{variant}}"}"#)
        spec.strategy = strategy
        spec.interval = .seconds(60)
        configure(&spec)
        return spec
    }

    /// Runs the analysis, moving the test clock to each next deadline until it ends; returns the
    /// outcome, the events reported and the virtual time it took.
    static func run(_ metrics: [MetricSpec], _ provider: ScriptedProvider, duration: Duration = .seconds(300),
                    approval: @escaping @Sendable () async -> String? = { nil })
        async -> (outcome: AnalysisOutcome?, events: [AnalysisEvent], took: Duration) {
        let clock = TestClock()
        let events = Mutex<[AnalysisEvent]>([])
        let done = Mutex(false)
        let runner = AnalysisRunner(options: AnalysisOptions(duration: duration, metrics: metrics), providers: ["prom": provider],
                                    clock: clock, now: { Date(timeIntervalSince1970: 1_800_000_000) })
        let task = Task {
            defer { done.withLock { $0 = true } }
            return await runner.run(target, approval: approval) { event in events.withLock { $0.append(event) } }
        }
        while !done.withLock({ $0 }) {
            // Advance only once every metric sleeps: then no measurement is in flight.
            if clock.pendingSleeps.count == metrics.count { clock.advanceToNextDeadline() }
            await Task.yield()
        }
        return (await task.value, events.withLock { $0 }, clock.now.offset)
    }

    static func verdicts(_ events: [AnalysisEvent]) -> [ComparisonVerdict.Classification] {
        events.compactMap { if case .judged(_, let verdict) = $0 { verdict.classification } else { nil } }
    }

    @Test func aThresholdWithinRangePassesAfterTheWholeDuration() async {
        let provider = ScriptedProvider(["canary": [.value(0.01)]])
        let (outcome, events, took) = await Self.run([Self.metric { $0.expectedMax = 0.05 }], provider)
        #expect(outcome?.passed == true && outcome?.score == 100)
        #expect(Self.verdicts(events) == Array(repeating: .pass, count: 5))
        #expect(took == .seconds(240))  // five measurements: at 0, 1, 2, 3 and 4 minutes
        #expect(provider.queries.first == #"errors{app="web",variant="canary"}"#)
    }

    /// An HTTP metric's jsonPath reaches the provider: without it, any 2xx would measure 1.
    @Test func theMetricsJSONPathReachesTheProvider() async {
        let provider = ScriptedProvider(["canary": [.value(0.01)]])
        let (outcome, _, _) = await Self.run([Self.metric { $0.expectedMax = 0.05; $0.jsonPath = "data.errorRate" }], provider,
                                             duration: .seconds(60))
        #expect(outcome?.passed == true)
        #expect(provider.paths == ["data.errorRate"])
    }

    @Test func aThresholdFailsAsSoonAsItPassesItsFailureLimit() async {
        let provider = ScriptedProvider(["canary": [.value(0.01), .value(0.3)]])
        let (outcome, events, took) = await Self.run([Self.metric { $0.expectedMax = 0.05; $0.failureLimit = 1 }], provider)
        #expect(outcome?.passed == false && outcome?.score == 0)
        #expect(Self.verdicts(events) == [.pass, .high, .high])
        #expect(took == .seconds(120))
        #expect(outcome?.reason.contains("error-rate failed: 0.3 is above the expected maximum 0.05") == true)
    }

    @Test func aCanaryWorseThanItsBaselineIsRolledBackOneIntervalAfterItsMinimumSamples() async {
        // Four samples a side is the least with which a 95% interval can exclude no change (2/70 < 0.05).
        let provider = ScriptedProvider(["canary": [.value(0.30), .value(0.31), .value(0.29), .value(0.32), .value(0.3)],
                                         "baseline": [.value(0.01), .value(0.012), .value(0.009), .value(0.011), .value(0.01)]])
        let spec = Self.metric(.canaryBaseline) { $0.minSamples = 4; $0.direction = .increase }
        let (outcome, events, took) = await Self.run([spec], provider, duration: .seconds(600))
        #expect(outcome?.passed == false)
        #expect(Self.verdicts(events) == [.noData, .noData, .noData, .high])
        #expect(took == .seconds(180))
        guard case .judged(_, let verdict)? = events.last(where: { if case .judged = $0 { true } else { false } }) else {
            Issue.record("no verdict")
            return
        }
        #expect(verdict.comparison?.estimate.map { $0 > 0.2 } == true)
    }

    @Test func aCanaryLikeItsBaselinePasses() async {
        let values: [ScriptedProvider.Answer] = [.value(0.010), .value(0.012), .value(0.009), .value(0.011), .value(0.010)]
        let provider = ScriptedProvider(["canary": values, "baseline": values.reversed()])
        let (outcome, events, _) = await Self.run([Self.metric(.canaryBaseline) { $0.minSamples = 3 }], provider)  // 5 rounds
        #expect(outcome?.passed == true, "\(String(describing: outcome))")
        #expect(Self.verdicts(events).suffix(3) == [.pass, .pass, .pass])
    }

    @Test func aProviderThatStaysDownFailsTheAnalysisUnderTheDefaultPolicy() async {
        let provider = ScriptedProvider(["canary": [.down]])
        let (outcome, _, took) = await Self.run([Self.metric { $0.expectedMax = 1; $0.consecutiveErrorLimit = 2 }], provider)
        #expect(outcome?.passed == false)
        #expect(outcome?.reason.contains("3 provider errors in a row; last: unavailable: connection refused; onMissingData: fail") == true,
                "\(String(describing: outcome?.reason))")
        #expect(took == .seconds(120))
    }

    @Test func missingDataPassesOnlyWhenThePolicySaysSoAndSaysWhy() async {
        let provider = ScriptedProvider(["canary": [.noData]])
        let (outcome, events, _) = await Self.run([Self.metric { $0.expectedMax = 1; $0.onMissingData = .pass }], provider)
        #expect(outcome?.passed == true)
        #expect(outcome?.metrics["error-rate"]?.reason.contains("passed by policy (onMissingData: pass)") == true)
        #expect(events.contains { if case .note(let text) = $0 { text.contains("onMissingData: pass") } else { false } })
    }

    @Test func pauseWaitsForAnApprovalThenPasses() async {
        let approved = Mutex<String?>(nil)
        let provider = ScriptedProvider(["canary": [.noData]])
        let clockRounds = Mutex(0)
        let (outcome, _, took) = await Self.run([Self.metric { $0.expectedMax = 1; $0.onMissingData = .pause }], provider,
                                                approval: {
            // Someone approves after the analysis has waited three intervals.
            clockRounds.withLock { $0 += 1 }
            if clockRounds.withLock({ $0 }) > 3 { approved.withLock { $0 = "alice" } }
            return approved.withLock { $0 }
        })
        #expect(outcome?.passed == true)
        #expect(outcome?.metrics["error-rate"]?.reason.contains("accepted by alice") == true)
        #expect(took == .seconds(180))
    }

    @Test func noDataFailsUnderTheDefaultPolicyEvenWithAllowance() async {
        let provider = ScriptedProvider(["canary": [.noData]])
        let (outcome, _, took) = await Self.run([Self.metric { $0.expectedMax = 1; $0.inconclusiveLimit = 1 }], provider)
        #expect(outcome?.passed == false)
        #expect(took == .seconds(60))
    }

    @Test func aQueryThatCannotBeFilledIsAnErrorWhateverThePolicy() async {
        let spec = Self.metric { $0.query = "errors{x=\"{{nope}}\"}"; $0.onMissingData = .pass }
        let (outcome, _, _) = await Self.run([spec], ScriptedProvider([:]))
        #expect(outcome?.passed == false)
        #expect(outcome?.reason == "error-rate failed: the query uses {{nope}}, which has no value here")
    }

    @Test func anUnknownProviderFailsAtOnce() async {
        let spec = Self.metric { $0.provider = "datadog" }
        let (outcome, _, took) = await Self.run([spec], ScriptedProvider([:]))
        #expect(outcome?.reason == #"error-rate failed: no analysis provider named "datadog" in the server config"#)
        #expect(took == .zero)
    }

    @Test func previousWithNothingBeforePassesWithANote() async {
        let (outcome, _, _) = await Self.run([Self.metric(.previous)], ScriptedProvider([:]))
        #expect(outcome?.passed == true)
        #expect(outcome?.metrics["error-rate"]?.reason.contains("first deployment") == true)
    }
}
