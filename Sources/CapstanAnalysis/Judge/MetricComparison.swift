public import CapstanCore

/// The comparison strategies (`canary-baseline`, `canary-primary`, `previous`): the experiment's samples
/// against the control's, classified the way Kayenta's NetflixACAJudge classifies a metric.
///
/// 1. NaN samples are removed or replaced with 0 (`nanStrategy`); a side left without samples is Nodata.
/// 2. A two-sided Mann–Whitney test gives the Hodges–Lehmann estimate of the shift (experiment − control)
///    and its confidence interval (``MannWhitney``).
/// 3. The tolerance band is ±tolerance·|estimate|. The metric is High when the whole interval lies above
///    the band, Low when it lies below — if `direction` counts that way, and if the effect size reaches
///    `allowedIncrease` (High) or `allowedDecrease` (Low); an undefined effect size does not hold it back.
/// 4. A High or Low on a `critical` metric whose effect size also reaches `criticalIncrease` or
///    `criticalDecrease` is critical: it fails the analysis whatever the score. So is a critical metric
///    with no data or an error.
public enum MetricComparison {
    /// How one metric is compared; the memberwise defaults are `capstan judge`'s and capstan.yaml's.
    public struct Options: Sendable, Hashable {
        /// Which change is a regression: `increase` (latency, errors), `decrease` (throughput), `either`.
        public var direction: MetricDirection
        /// The confidence level of the interval, strictly between 0 and 1.
        public var confidence: Double
        /// The half-width of the band around 0, as a fraction of |estimate|, that the interval must clear.
        public var tolerance: Double
        /// How large a significant change must be to fail the metric, and to fail it critically.
        public var effectSize: EffectSize
        /// Whether a failure beyond the critical limits (or no data) fails the whole analysis.
        public var critical: Bool
        /// Whether NaN samples are removed or count as 0.
        public var nanStrategy: NaNStrategy

        /// Defaults: `either`, 0.95, 0.25, mean ratio with every limit 1.0, not critical, NaN removed.
        public init(
            direction: MetricDirection = .either, confidence: Double = 0.95, tolerance: Double = 0.25,
            effectSize: EffectSize = EffectSize(), critical: Bool = false, nanStrategy: NaNStrategy = .remove
        ) {
            self.direction = direction
            self.confidence = confidence
            self.tolerance = tolerance
            self.effectSize = effectSize
            self.critical = critical
            self.nanStrategy = nanStrategy
        }

        /// The options of a metric from capstan.yaml.
        public init(_ spec: MetricSpec) {
            self.init(direction: spec.direction, confidence: spec.confidence, tolerance: spec.tolerance,
                      effectSize: spec.effectSize, critical: spec.critical, nanStrategy: spec.nanStrategy)
        }

        /// Why these options cannot be used, or nil.
        var problem: String? {
            if !(confidence > 0 && confidence < 1) { return "confidence must lie strictly between 0 and 1, got \(confidence)" }
            if !(tolerance >= 0 && tolerance.isFinite) { return "tolerance must be a finite number ≥ 0, got \(tolerance)" }
            let limits = [("allowedIncrease", effectSize.allowedIncrease), ("allowedDecrease", effectSize.allowedDecrease),
                          ("criticalIncrease", effectSize.criticalIncrease), ("criticalDecrease", effectSize.criticalDecrease)]
            for (name, value) in limits where !value.isFinite {
                return "effectSize.\(name) must be a finite number, got \(value)"
            }
            return nil
        }
    }

    /// Classifies the experiment's samples against the control's. Never throws: what cannot be judged is
    /// Nodata or Error, with the reason.
    public static func judge(control: [Double], experiment: [Double], options: Options) -> ComparisonVerdict {
        if let problem = options.problem { return failed(.error, problem, options) }
        guard !control.isEmpty else { return failed(.noData, "the control has no samples", options) }
        guard !experiment.isEmpty else { return failed(.noData, "the experiment has no samples", options) }
        let control = prepared(control, options.nanStrategy)
        let experiment = prepared(experiment, options.nanStrategy)
        guard !control.isEmpty else { return failed(.noData, "every control sample was NaN (nanStrategy: remove)", options) }
        guard !experiment.isEmpty else { return failed(.noData, "every experiment sample was NaN (nanStrategy: remove)", options) }
        guard control.allSatisfy(\.isFinite) else { return failed(.error, "a control sample is infinite", options) }
        guard experiment.allSatisfy(\.isFinite) else { return failed(.error, "an experiment sample is infinite", options) }

        let test: MannWhitney.Result
        do {
            test = try MannWhitney.test(experiment, control, confidence: options.confidence)
        } catch {
            return failed(.error, "the Mann–Whitney test failed: \(error)", options)  // unreachable after the checks above
        }
        let effect = switch options.effectSize.measure {
        case .meanRatio: EffectSizes.meanRatio(control: control, experiment: experiment)
        case .cles: EffectSizes.cles(w: test.w, experimentCount: experiment.count, controlCount: control.count)
        }
        var verdict = ComparisonVerdict(
            classification: .pass, critical: false, pValue: test.pValue, estimate: test.estimate,
            lower: test.lower, upper: test.upper, effectSize: effect, reason: "")
        // Kayenta's shortcut, kept for its clear reason: the same values in any order cannot differ.
        if control.sorted() == experiment.sorted() {
            verdict.reason = "the experiment and control samples are identical"
            return verdict
        }
        let shift = Shift(test: test, effect: effect, options: options)
        verdict.classification = shift.classification
        verdict.critical = shift.isCritical
        verdict.reason = shift.reason
        return verdict
    }

    /// Removes NaN samples, or replaces them with 0 as Kayenta does (for counters where no data means none).
    static func prepared(_ samples: [Double], _ strategy: NaNStrategy) -> [Double] {
        switch strategy {
        case .remove: samples.filter { !$0.isNaN }
        case .replace: samples.map { $0.isNaN ? 0 : $0 }
        }
    }

    private static func failed(_ classification: ComparisonVerdict.Classification, _ reason: String, _ options: Options)
        -> ComparisonVerdict
    {
        // A critical metric that cannot be judged fails the analysis too (Kayenta marks it critical).
        ComparisonVerdict(classification: classification, critical: options.critical, reason: reason)
    }
}
