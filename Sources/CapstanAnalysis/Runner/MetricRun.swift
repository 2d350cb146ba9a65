import CapstanCore
import Foundation

/// One metric of an ANALYSIS stage, measured every `interval` from `initialDelay` until the stage's
/// `duration`, judged after every measurement once enough samples exist.
struct MetricRun: Sendable {
    let spec: MetricSpec
    let provider: (any MetricProvider)?
    let target: AnalysisTarget
    let duration: Duration
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date
    /// Who approved the stage, once someone did (the `pause` policy waits for it).
    let approval: @Sendable () async -> String?
    let report: @Sendable (AnalysisEvent) async -> Void

    /// How the metric ended; `early` when it failed before the analysis was over (the stage stops at once).
    struct Ending: Sendable {
        var verdict: MetricVerdict
        var early: Bool
    }

    private struct Tally {
        var control: [Double] = []
        var experiment: [Double] = []
        var failures = 0
        var inconclusive = 0
        var consecutiveErrors = 0
        var last: MetricVerdict?
    }

    func run() async -> Ending? {
        var tally = Tally()
        guard let provider else {
            return Ending(verdict: verdict(.error, tally, "no analysis provider named \"\(spec.provider)\" in the server config"),
                          early: true)
        }
        if spec.strategy == .previous, target.previousWindowStart == nil {
            let passed = verdict(.pass, tally, "no earlier successful deployment to compare with: passes (first deployment)")
            await report(.judged(metric: spec.name, verdict: passed))
            return Ending(verdict: passed, early: false)
        }
        let started = now()
        do {
            if spec.initialDelay > .zero { try await clock.sleep(for: spec.initialDelay) }
            let rounds = max(1, Int((duration - spec.initialDelay) / spec.interval))
            for round in 1...rounds {
                if let ending = await measureOnce(provider, &tally, started: started) { return ending }
                if round < rounds { try await clock.sleep(for: spec.interval) }
            }
        } catch {
            return nil  // cancelled: another metric ended the analysis, or the stage was cut off
        }
        return await finalVerdict(tally)
    }

    /// One round: measure, count, judge; an ending when the metric is decided early.
    private func measureOnce(_ provider: any MetricProvider, _ tally: inout Tally, started: Date) async -> Ending? {
        let read: Reading
        do {
            read = try await Reading.take(spec, provider: provider, target: target, started: started, now: now())
            tally.consecutiveErrors = 0
        } catch let error as QueryTemplate.Unfilled {
            // A query that cannot be filled is a mistake in capstan.yaml, not missing data: no policy passes it.
            return Ending(verdict: verdict(.error, tally, "\(error)"), early: true)
        } catch {
            tally.consecutiveErrors += 1
            await report(.measured(metric: spec.name, variant: "", value: nil, note: "\(error)"))
            guard tally.consecutiveErrors > spec.consecutiveErrorLimit else { return nil }
            return await missingData(&tally, "\(tally.consecutiveErrors) provider errors in a row; last: \(error)")
        }
        for (variant, value, note) in read.reports { await report(.measured(metric: spec.name, variant: variant, value: value, note: note)) }
        if spec.strategy == .previous {
            tally.experiment = read.experiment
            tally.control = read.control
        } else {
            tally.experiment += read.experiment
            tally.control += read.control
        }
        guard read.hasData else {
            tally.inconclusive += 1
            guard tally.inconclusive > spec.inconclusiveLimit else { return nil }
            return await missingData(&tally, "no data in \(tally.inconclusive) measurement(s): \(read.noDataReason)")
        }
        let judged = judge(read, &tally)
        tally.last = judged
        await report(.judged(metric: spec.name, verdict: judged))
        if !judged.passes, judged.classification != .noData {
            tally.failures += 1
            tally.last?.failures = tally.failures
            if tally.failures > spec.failureLimit || judged.critical {
                var failed = judged
                failed.failures = tally.failures
                failed.reason += "; \(tally.failures) failed measurement(s), limit \(spec.failureLimit)"
                return Ending(verdict: failed, early: true)
            }
        }
        return nil
    }

    private func judge(_ read: Reading, _ tally: inout Tally) -> MetricVerdict {
        switch spec.strategy {
        case .threshold:
            let value = read.experiment.last ?? .nan
            switch ThresholdCheck.check(value, min: spec.expectedMin, max: spec.expectedMax) {
            case .below:
                return verdict(.low, tally, "\(Self.format(value)) is below the expected minimum \(Self.format(spec.expectedMin ?? .nan))")
            case .above:
                return verdict(.high, tally, "\(Self.format(value)) is above the expected maximum \(Self.format(spec.expectedMax ?? .nan))")
            case .noData:
                return verdict(.noData, tally, "\(Self.format(value)) is not a number")
            case .within:
                return verdict(.pass, tally, "\(Self.format(value)) is within the expected range")
            }
        case .canaryBaseline, .canaryPrimary, .previous:
            guard tally.experiment.count >= spec.minSamples, tally.control.count >= spec.minSamples else {
                return verdict(.noData, tally, "\(tally.experiment.count) experiment and \(tally.control.count) control "
                    + "sample(s) so far; judged from \(spec.minSamples) each")
            }
            let comparison = MetricComparison.judge(control: tally.control, experiment: tally.experiment,
                                                    options: MetricComparison.Options(spec))
            var judged = verdict(comparison.classification, tally, comparison.reason)
            judged.critical = comparison.critical
            judged.comparison = comparison
            return judged
        }
    }

    /// The metric's missing-data policy, applied: fail (the default), pass, or wait for an approval.
    private func missingData(_ tally: inout Tally, _ why: String) async -> Ending? {
        switch spec.onMissingData {
        case .fail:
            return Ending(verdict: verdict(.noData, tally, why + "; onMissingData: fail"), early: true)
        case .pass:
            await report(.note("\(spec.name): \(why); onMissingData: pass, so it counts as passing"))
            let passed = verdict(.pass, tally, why + "; passed by policy (onMissingData: pass)")
            return Ending(verdict: passed, early: false)
        case .pause:
            await report(.note("\(spec.name): \(why); paused until someone approves the stage (onMissingData: pause)"))
            while true {
                if let approver = await approval() {
                    return Ending(verdict: verdict(.pass, tally, why + "; accepted by \(approver) (onMissingData: pause)"),
                                  early: false)
                }
                do { try await clock.sleep(for: spec.interval) } catch { return nil }
            }
        }
    }

    private func finalVerdict(_ tally: Tally) async -> Ending? {
        var tally = tally
        guard let last = tally.last, last.classification != .noData else {
            return await missingData(&tally, tally.last?.reason ?? "no measurement had data")
        }
        if spec.strategy == .threshold {
            let passed = tally.failures <= spec.failureLimit
            return Ending(verdict: verdict(passed ? .pass : last.classification, tally,
                                           "\(tally.failures) of \(tally.experiment.count) measurement(s) out of range, "
                                           + "limit \(spec.failureLimit)"), early: false)
        }
        return Ending(verdict: last, early: false)
    }

    private func verdict(_ classification: ComparisonVerdict.Classification, _ tally: Tally, _ reason: String) -> MetricVerdict {
        MetricVerdict(classification: classification, critical: spec.critical && classification != .pass,
                      experimentSamples: tally.experiment.count, controlSamples: tally.control.count,
                      failures: tally.failures, comparison: nil, reason: reason)
    }

    static func format(_ value: Double) -> String {
        value.isFinite ? String(format: "%.6g", value) : "\(value)"
    }
}
