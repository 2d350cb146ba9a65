public import CapstanCore
public import Foundation

/// Runs an ANALYSIS stage: every metric on its own schedule (on the injected clock), judged as it
/// goes; the stage fails as soon as one metric fails past its `failureLimit` (or a critical one
/// fails), else it is scored over all metrics when `duration` is over.
public struct AnalysisRunner: Sendable {
    let options: AnalysisOptions
    let providers: [String: any MetricProvider]
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date

    /// `providers` by the names metrics use (the server config's `analysisProviders`).
    public init(options: AnalysisOptions, providers: [String: any MetricProvider], clock: any Clock<Duration>,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.options = options
        self.providers = providers
        self.clock = clock
        self.now = now
    }

    /// Runs the analysis of `target` to its verdict; nil when cancelled first.
    ///
    /// - Parameters:
    ///   - approval: who approved the stage so far, if anyone (the `pause` policy waits for it).
    ///   - report: every measurement, verdict and note, in order per metric.
    public func run(_ target: AnalysisTarget, approval: @escaping @Sendable () async -> String? = { nil },
                    report: @escaping @Sendable (AnalysisEvent) async -> Void) async -> AnalysisOutcome? {
        let runs = options.metrics.map { spec in
            MetricRun(spec: spec, provider: providers[spec.provider], target: target, duration: options.duration,
                      clock: clock, now: now, approval: approval, report: report)
        }
        var verdicts: [String: MetricVerdict] = [:]
        let early: (name: String, verdict: MetricVerdict)? = await withTaskGroup(of: (String, MetricRun.Ending?).self) { group in
            for run in runs { group.addTask { (run.spec.name, await run.run()) } }
            for await (name, ending) in group {
                guard let ending else { continue }
                verdicts[name] = ending.verdict
                if ending.early {
                    group.cancelAll()
                    return (name, ending.verdict)
                }
            }
            return nil
        }
        if Task.isCancelled { return nil }
        if let early {
            return AnalysisOutcome(passed: false, score: 0, result: "fail",
                                   reason: "\(early.name) failed: \(early.verdict.reason)", metrics: verdicts)
        }
        guard verdicts.count == runs.count else { return nil }
        let scored = options.metrics.map { spec in
            ScoredMetric(name: spec.name, group: spec.group, weight: spec.weight,
                         classification: verdicts[spec.name]!.classification, critical: verdicts[spec.name]!.critical)
        }
        let score = AnalysisScore.score(scored, passScore: options.passScore, marginalScore: options.marginalScore)
        return AnalysisOutcome(passed: score.result == .pass, score: score.score, result: score.result.rawValue,
                               reason: score.reason, metrics: verdicts)
    }
}
