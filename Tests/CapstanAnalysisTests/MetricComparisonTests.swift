import CapstanAnalysis
import CapstanCore
import Foundation
import Testing

/// Every path through MetricComparison.judge, on samples whose numbers are worked out in the comments.
@Suite struct MetricComparisonTests {
    /// 0...9 against 8.5...17.5: no ties, exact method. The pairwise differences are 8.5 + k for k in −9...9,
    /// 10 − |k| of each; qwilcox(0.025, 10, 10) = 24 puts the 95% bounds at the 24th smallest and largest
    /// difference, 5.5 and 11.5, around the estimate 8.5. Mean ratio 13 / 4.5 = 2.889; CLES 99 / 100.
    static let control = (0..<10).map(Double.init)
    static let experiment = control.map { $0 + 8.5 }

    private func judge(
        _ control: [Double] = control, _ experiment: [Double] = experiment, _ configure: (inout MetricComparison.Options) -> Void = { _ in }
    ) -> ComparisonVerdict {
        var options = MetricComparison.Options()
        configure(&options)
        return MetricComparison.judge(control: control, experiment: experiment, options: options)
    }

    @Test func theOptionsDefaultToCapstanYAMLs() {
        let spec = MetricSpec(name: "latency", provider: "prometheus", query: "q")
        #expect(MetricComparison.Options(spec) == MetricComparison.Options())
        var custom = spec
        custom.direction = .increase
        custom.confidence = 0.98
        custom.tolerance = 0.1
        custom.effectSize.measure = .cles
        custom.effectSize.allowedIncrease = 0.7
        custom.critical = true
        custom.nanStrategy = .replace
        let options = MetricComparison.Options(custom)
        #expect(options.direction == .increase && options.confidence == 0.98 && options.tolerance == 0.1)
        #expect(options.effectSize == custom.effectSize && options.critical && options.nanStrategy == .replace)
    }

    @Test func aClearIncreaseIsHigh() {
        let verdict = judge()
        #expect(verdict.classification == .high)
        #expect(!verdict.critical)
        #expect(verdict.estimate == 8.5 && verdict.lower == 5.5 && verdict.upper == 11.5)
        #expect(abs(verdict.pValue! - 2.1650176449e-05) < 1e-15)  // R: wilcox.test(8.5 + 0:9, 0:9)$p.value
        #expect(abs(verdict.effectSize! - 13 / 4.5) < 1e-12)
        #expect(verdict.reason == "the experiment is higher than the control: the 95% confidence interval of the shift, [5.5, 11.5], lies above the tolerance band ±2.125 (mean ratio 2.889)")
    }

    @Test func aClearDecreaseIsLow() {
        let verdict = judge(Self.experiment, Self.control)
        #expect(verdict.classification == .low)
        #expect(verdict.estimate == -8.5 && verdict.lower == -11.5 && verdict.upper == -5.5)
        #expect(verdict.reason.hasPrefix("the experiment is lower than the control: the 95% confidence interval of the shift, [-11.5, -5.5], lies below"))
    }

    @Test func onlyTheDirectionThatCountsFails() {
        #expect(judge { $0.direction = .increase }.classification == .high)
        #expect(judge { $0.direction = .either }.classification == .high)
        let decreaseOnly = judge { $0.direction = .decrease }
        #expect(decreaseOnly.classification == .pass)
        #expect(decreaseOnly.reason == "the experiment is higher than the control, but only a decrease counts (direction: decrease)")
        #expect(judge(Self.experiment, Self.control) { $0.direction = .decrease }.classification == .low)
        let increaseOnly = judge(Self.experiment, Self.control) { $0.direction = .increase }
        #expect(increaseOnly.classification == .pass)
        #expect(increaseOnly.reason == "the experiment is lower than the control, but only an increase counts (direction: increase)")
    }

    @Test func theIntervalMustClearTheToleranceBand() {
        // lower 5.5 against a band of tolerance × 8.5: cleared below 5.5 / 8.5 = 0.647, not above.
        #expect(judge { $0.tolerance = 0.6 }.classification == .high)
        let wide = judge { $0.tolerance = 0.7 }
        #expect(wide.classification == .pass)
        #expect(wide.reason == "no significant change: the 95% confidence interval of the shift, [5.5, 11.5], reaches into the tolerance band ±5.95")
        #expect(judge { $0.tolerance = 0 }.classification == .high)
        // A tolerance of 1 or more cannot be cleared by an interval that holds a non-zero estimate.
        #expect(judge { $0.tolerance = 1 }.classification == .pass)
    }

    @Test func theConfidenceWidensTheInterval() {
        // 99.99%: qwilcox(0.00005, 10, 10) = 4 puts the bounds at 1.5 and 15.5, inside the default band.
        let verdict = judge { $0.confidence = 0.9999 }
        #expect(verdict.lower == 1.5 && verdict.upper == 15.5)
        #expect(verdict.classification == .pass)
        #expect(verdict.reason.contains("the 99.99% confidence interval of the shift, [1.5, 15.5]"))
        #expect(judge { $0.confidence = 0.9999; $0.tolerance = 0.15 }.classification == .high)
    }

    @Test func theMeanRatioGatesASignificantChange() {
        #expect(judge { $0.effectSize.allowedIncrease = 2.8 }.classification == .high)
        let small = judge { $0.effectSize.allowedIncrease = 3 }
        #expect(small.classification == .pass)
        #expect(small.reason == "a significant increase, but its mean ratio 2.889 is below allowedIncrease 3")
        // Low needs the ratio at or below allowedDecrease: 4.5 / 13 = 0.346.
        #expect(judge(Self.experiment, Self.control) { $0.effectSize.allowedDecrease = 0.35 }.classification == .low)
        let mild = judge(Self.experiment, Self.control) { $0.effectSize.allowedDecrease = 0.3 }
        #expect(mild.classification == .pass)
        #expect(mild.reason == "a significant decrease, but its mean ratio 0.3462 is above allowedDecrease 0.3")
    }

    @Test func clesGatesWithProbabilitiesAroundOneHalf() {
        let cles = judge { $0.effectSize.measure = .cles; $0.effectSize.allowedIncrease = 0.9 }
        #expect(cles.classification == .high)
        #expect(cles.effectSize == 0.99)
        #expect(cles.reason.hasSuffix("(CLES 0.99)"))
        // With the default limits of 1.0 (the mean ratio's "no change"), a High under CLES needs every
        // experiment value above every control value, as in Kayenta.
        #expect(judge { $0.effectSize.measure = .cles }.classification == .pass)
        let separated = judge(Self.control, Self.control.map { $0 + 20 }) { $0.effectSize.measure = .cles }
        #expect(separated.effectSize == 1 && separated.classification == .high)
        let lower = judge(Self.experiment, Self.control) { $0.effectSize.measure = .cles; $0.effectSize.allowedDecrease = 0.1 }
        #expect(lower.effectSize == 0.01 && lower.classification == .low)
    }

    @Test func anUndefinedMeanRatioDoesNotHoldAChangeBack() {
        // The control's mean is 0: no ratio, and the gates are skipped (Kayenta).
        let verdict = judge([0, 0, 0, 0, 0], [10, 10, 10, 10, 10]) { $0.effectSize.allowedIncrease = 100; $0.critical = true }
        #expect(verdict.classification == .high)
        #expect(verdict.effectSize == nil)
        #expect(verdict.critical)
        #expect(verdict.reason.contains("(mean ratio undefined); critical"))
    }

    @Test func aCriticalMetricFailsHardBeyondItsCriticalLimit() {
        let hard = judge { $0.critical = true; $0.effectSize.criticalIncrease = 2.5 }
        #expect(hard.classification == .high && hard.critical)
        #expect(hard.reason.hasSuffix("; critical: mean ratio 2.889 is at or above criticalIncrease 2.5"))
        let soft = judge { $0.critical = true; $0.effectSize.criticalIncrease = 3 }
        #expect(soft.classification == .high && !soft.critical)
        let low = judge(Self.experiment, Self.control) { $0.critical = true; $0.effectSize.criticalDecrease = 0.5 }
        #expect(low.classification == .low && low.critical)
        #expect(low.reason.hasSuffix("; critical: mean ratio 0.3462 is at or below criticalDecrease 0.5"))
        #expect(!judge(Self.experiment, Self.control) { $0.critical = true; $0.effectSize.criticalDecrease = 0.3 }.critical)
        // Not critical: never a hard failure, however large the change.
        #expect(!judge().critical)
        // A pass is never critical.
        #expect(!judge(Self.control, Self.control) { $0.critical = true }.critical)
    }

    @Test func nanSamplesAreRemovedOrReplacedWithZero() {
        let clean = judge()
        let removed = judge(Self.control + [.nan], [.nan] + Self.experiment)
        #expect(removed == clean)
        // Replaced, they become 0: two more zeros on the control side.
        let replaced = judge(Self.control + [.nan, .nan], Self.experiment) { $0.nanStrategy = .replace }
        #expect(replaced == judge(Self.control + [0, 0], Self.experiment))
        #expect(replaced.classification == .high)
    }

    @Test func aSideWithoutSamplesIsNodata() {
        let noControl = judge([], Self.experiment)
        #expect(noControl.classification == .noData)
        #expect(noControl.reason == "the control has no samples")
        #expect(noControl.pValue == nil && noControl.estimate == nil && noControl.lower == nil && noControl.effectSize == nil)
        #expect(judge(Self.control, []).reason == "the experiment has no samples")
        // Replacing NaN does not invent samples that never came.
        #expect(judge(Self.control, []) { $0.nanStrategy = .replace }.classification == .noData)
        let allNaN = judge([.nan, .nan], Self.experiment)
        #expect(allNaN.classification == .noData)
        #expect(allNaN.reason == "every control sample was NaN (nanStrategy: remove)")
        #expect(judge(Self.control, [.nan]).reason == "every experiment sample was NaN (nanStrategy: remove)")
        // With replace, NaN is 0 and there is something to compare.
        #expect(judge([.nan, .nan, .nan], [3, 4, 5]) { $0.nanStrategy = .replace }.classification == .high)
        // Nodata on a critical metric fails the analysis.
        #expect(judge([], Self.experiment) { $0.critical = true }.critical)
        #expect(!judge([], Self.experiment).critical)
    }

    @Test func identicalSamplesPass() {
        let verdict = judge([1, 2, 3, 4, 5], [5, 4, 3, 2, 1]) { $0.critical = true }
        #expect(verdict.classification == .pass && !verdict.critical)
        #expect(verdict.reason == "the experiment and control samples are identical")
        #expect(verdict.pValue == 1 && verdict.estimate == 0 && verdict.effectSize == 1)
    }

    @Test func oneValueEverywhereIsNoChangeWithPValueOne() {
        let verdict = judge([7, 7, 7, 7], [7, 7, 7])
        #expect(verdict.classification == .pass)
        #expect(verdict.pValue == 1 && verdict.estimate == 0 && verdict.lower == 0 && verdict.upper == 0)
        #expect(verdict.effectSize == 1)
        let zeros = judge([0, 0, 0], [0, 0]) { $0.effectSize.measure = .meanRatio }
        #expect(zeros.classification == .pass && zeros.effectSize == nil)
        #expect(judge([0, 0, 0], [0, 0]) { $0.effectSize.measure = .cles }.effectSize == 0.5)
    }

    @Test func mostlyZeroErrorCountsWithMoreOnTheCanaryAreHigh() {
        // The interval is empty just above 0, (0, 0]: no shift explains these samples, and they lean up.
        let control = Array(repeating: 0.0, count: 40) + [1, 2]
        let experiment = Array(repeating: 0.0, count: 30) + (1...12).map(Double.init)
        let verdict = judge(control, experiment) { $0.direction = .increase }
        #expect(verdict.classification == .high)
        #expect(verdict.reason.hasPrefix("the experiment is higher than the control: the 95% confidence interval of the shift, (0, 0], lies above the tolerance band ±0"))
        #expect(judge(experiment, control).classification == .low)
    }

    @Test func invalidOptionsAreAnError() {
        let cases: [((inout MetricComparison.Options) -> Void, String)] = [
            ({ $0.confidence = 1 }, "confidence must lie strictly between 0 and 1, got 1.0"),
            ({ $0.confidence = .nan }, "confidence must lie strictly between 0 and 1, got nan"),
            ({ $0.tolerance = -0.1 }, "tolerance must be a finite number ≥ 0, got -0.1"),
            ({ $0.effectSize.criticalDecrease = .infinity }, "effectSize.criticalDecrease must be a finite number, got inf"),
        ]
        for (configure, reason) in cases {
            let verdict = judge(Self.control, Self.experiment) { configure(&$0); $0.critical = true }
            #expect(verdict.classification == .error)
            #expect(verdict.reason == reason)
            #expect(verdict.critical)
        }
    }

    @Test func anInfiniteSampleIsAnError() {
        #expect(judge([1, .infinity], [1, 2]).reason == "a control sample is infinite")
        #expect(judge([1, 2], [-.infinity, 2]).classification == .error)
        #expect(!judge([1, 2], [-.infinity, 2]).critical)
    }
}
