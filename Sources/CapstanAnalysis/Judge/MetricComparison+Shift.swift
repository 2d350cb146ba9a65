import CapstanCore
import Foundation

extension MetricComparison {
    /// The classification of a tested shift: the interval against the tolerance band, then the direction,
    /// then the effect-size gates — and the sentence that says which of them decided.
    struct Shift {
        let test: MannWhitney.Result
        let effect: Double?
        let options: Options

        /// Half the width of the band around 0 that the interval must clear.
        var band: Double { options.tolerance * abs(test.estimate) }
        /// The whole interval lies above the band; an open end may touch it.
        var isAbove: Bool { test.lower > band || (test.lower == band && test.lowerOpen) }
        var isBelow: Bool { test.upper < -band || (test.upper == -band && test.upperOpen) }
        var countsIncrease: Bool { options.direction != .decrease }
        var countsDecrease: Bool { options.direction != .increase }
        /// An undefined effect size does not hold a significant change back (Kayenta).
        var isLargeIncrease: Bool { effect.map { $0 >= options.effectSize.allowedIncrease } ?? true }
        var isLargeDecrease: Bool { effect.map { $0 <= options.effectSize.allowedDecrease } ?? true }

        var classification: ComparisonVerdict.Classification {
            if isAbove, countsIncrease, isLargeIncrease { return .high }
            if isBelow, countsDecrease, isLargeDecrease { return .low }
            return .pass
        }

        var isCritical: Bool {
            guard options.critical else { return false }
            switch classification {
            case .high: return effect.map { $0 >= options.effectSize.criticalIncrease } ?? true
            case .low: return effect.map { $0 <= options.effectSize.criticalDecrease } ?? true
            case .pass, .noData, .error: return false
            }
        }

        var reason: String {
            let opening = test.lowerOpen ? "(" : "[", closing = test.upperOpen ? ")" : "]"
            let bounds = "\(opening)\(JudgeText.number(test.lower)), \(JudgeText.number(test.upper))\(closing)"
            let interval = "the \(JudgeText.percent(test.confidence)) confidence interval of the shift, \(bounds),"
            let bandText = "the tolerance band ±\(JudgeText.number(band))"
            switch classification {
            case .high:
                return "the experiment is higher than the control: \(interval) lies above \(bandText)\(effectText)\(criticalText)"
            case .low:
                return "the experiment is lower than the control: \(interval) lies below \(bandText)\(effectText)\(criticalText)"
            default:
                break
            }
            if isAbove, !countsIncrease {
                return "the experiment is higher than the control, but only a decrease counts (direction: decrease)"
            }
            if isBelow, !countsDecrease {
                return "the experiment is lower than the control, but only an increase counts (direction: increase)"
            }
            // Past the direction, only the effect-size gates hold back a change that clears the band.
            let size = "its \(measure) \(JudgeText.number(effect ?? .nan))"
            if isAbove {
                return "a significant increase, but \(size) is below allowedIncrease \(JudgeText.number(options.effectSize.allowedIncrease))"
            }
            if isBelow {
                return "a significant decrease, but \(size) is above allowedDecrease \(JudgeText.number(options.effectSize.allowedDecrease))"
            }
            return "no significant change: \(interval) reaches into \(bandText)"
        }

        private var measure: String {
            options.effectSize.measure == .meanRatio ? "mean ratio" : "CLES"
        }

        private var effectText: String {
            guard let effect else { return " (\(measure) undefined)" }
            return " (\(measure) \(JudgeText.number(effect)))"
        }

        private var criticalText: String {
            guard isCritical else { return "" }
            guard let effect else { return "; critical" }
            let limit = classification == .high
                ? "at or above criticalIncrease \(JudgeText.number(options.effectSize.criticalIncrease))"
                : "at or below criticalDecrease \(JudgeText.number(options.effectSize.criticalDecrease))"
            return "; critical: \(measure) \(JudgeText.number(effect)) is \(limit)"
        }
    }
}

/// How the judge writes numbers in its reasons.
enum JudgeText {
    /// Four significant digits.
    static func number(_ value: Double) -> String {
        if value == .infinity { return "∞" }
        if value == -.infinity { return "-∞" }
        return String(format: "%.4g", value)
    }

    /// 0.95 as "95%", 0.9999 as "99.99%".
    static func percent(_ fraction: Double) -> String {
        String(format: "%g%%", fraction * 100)
    }
}
