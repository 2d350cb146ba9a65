/// The two-sample Mann–Whitney (Wilcoxon rank-sum) test with the Hodges–Lehmann estimate of the location
/// shift and its confidence interval, computed as R's `wilcox.test(x, y, conf.int = TRUE)` does.
///
/// - Exact (R's default when both samples have fewer than 50 values and nothing ties): the p-value from
///   the exact distribution of W; the interval from its quantiles, as order statistics of the pairwise
///   differences x_i − y_j.
/// - Otherwise the normal approximation of W with the tie correction of its variance and, unless
///   `correct` is false, the continuity correction; the interval inverts the same approximation.
///
/// W counts the pairs (x_i, y_j) with x_i − mu > y_j, ties as one half. A positive shift means x lies
/// above y: with x the canary and y the baseline, the canary is higher.
public enum MannWhitney {
    /// The alternative hypothesis about the shift of x relative to y.
    public enum Alternative: String, Sendable, Hashable, Codable, CaseIterable {
        case twoSided = "two.sided", less, greater
    }

    /// How the p-value and interval were computed.
    public enum Method: String, Sendable, Hashable, Codable, CaseIterable {
        case exact, normal
    }

    /// The outcome of one test.
    public struct Result: Sendable, Hashable {
        /// The Mann–Whitney statistic of x against y (R's `W`).
        public var w: Double
        /// The p-value for the alternative asked for.
        public var pValue: Double
        /// The Hodges–Lehmann estimate: the median of the pairwise differences x_i − y_j.
        public var estimate: Double
        /// The confidence interval of the shift; −∞ for `less`.
        public var lower: Double
        /// +∞ for `greater`.
        public var upper: Double
        /// The test rejects a shift of exactly `lower`: the interval begins just above it. Only the normal
        /// approximation has open ends, where a bound falls on a step of its statistic that many pairs tie
        /// on; the interval can then be empty — (0, 0] for error counts that are mostly 0 on both sides,
        /// which leans above 0.
        public var lowerOpen: Bool
        /// The test rejects a shift of exactly `upper`: the interval ends just below it.
        public var upperOpen: Bool
        /// The interval's confidence: the one asked for, or — when an exact interval cannot reach it with
        /// samples this small — the one it does reach (R reports the same).
        public var confidence: Double
        /// Exact or normal approximation.
        public var method: Method
    }

    /// Why a test could not run.
    public enum Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// "x" or "y" has no values.
        case emptySample(String)
        /// "x" or "y" holds NaN or an infinity; the caller decides what missing data means.
        case notFinite(String)
        case confidenceOutOfRange(Double)
        case muNotFinite(Double)

        public var description: String {
            switch self {
            case .emptySample(let name): "\(name) has no values"
            case .notFinite(let name): "\(name) holds a value that is NaN or infinite"
            case .confidenceOutOfRange(let value): "the confidence must lie strictly between 0 and 1, got \(value)"
            case .muNotFinite(let value): "mu must be a finite number, got \(value)"
            }
        }
    }

    /// Tests whether x is shifted by `mu` against y.
    ///
    /// - Parameters:
    ///   - exact: `nil` chooses as R does (exact below 50 values each, when nothing ties); `true` asks for
    ///     the exact method, which still falls back to the approximation when values tie.
    ///   - correct: the continuity correction of the normal approximation.
    public static func test(
        _ x: [Double], _ y: [Double], alternative: Alternative = .twoSided, confidence: Double = 0.95,
        mu: Double = 0, exact: Bool? = nil, correct: Bool = true
    ) throws(Failure) -> Result {
        guard !x.isEmpty else { throw .emptySample("x") }
        guard !y.isEmpty else { throw .emptySample("y") }
        guard x.allSatisfy(\.isFinite) else { throw .notFinite("x") }
        guard y.allSatisfy(\.isFinite) else { throw .notFinite("y") }
        guard confidence > 0, confidence < 1 else { throw .confidenceOutOfRange(confidence) }
        guard mu.isFinite else { throw .muNotFinite(mu) }

        let (w, tieTerm) = statistic(x, y, shift: mu)
        let differences = x.flatMap { xi in y.map { xi - $0 } }.sorted()
        let estimate = median(differences)
        let useExact = (exact ?? (x.count < 50 && y.count < 50)) && tieTerm == 0
        if useExact {
            let distribution = WilcoxonDistribution(m: x.count, n: y.count)
            let p = exactPValue(Int(w.rounded()), distribution, alternative)
            let interval = exactInterval(differences, distribution, alternative, confidence)
            return Result(w: w, pValue: p, estimate: estimate, lower: interval.lower, upper: interval.upper,
                          lowerOpen: false, upperOpen: false, confidence: interval.confidence, method: .exact)
        }
        let sigma = sigma(m: x.count, n: y.count, tieTerm: tieTerm)
        let p = normalPValue(w: w, m: x.count, n: y.count, sigma: sigma, alternative, correct: correct)
        let interval = NormalInterval(x: x, y: y, differences: differences, alternative: alternative, correct: correct)
            .bounds(confidence: confidence)
        return Result(w: w, pValue: p, estimate: estimate, lower: interval.lower.value, upper: interval.upper.value,
                      lowerOpen: interval.lower.isOpen, upperOpen: interval.upper.isOpen, confidence: confidence,
                      method: .normal)
    }

    /// The median of sorted values (the mean of the middle two for an even count, as R's `median`).
    static func median(_ sorted: [Double]) -> Double {
        let middle = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
    }

    private static func exactPValue(_ w: Int, _ distribution: WilcoxonDistribution, _ alternative: Alternative) -> Double {
        switch alternative {
        case .less: return distribution.cdf(w)
        case .greater: return distribution.upperTail(w)
        case .twoSided:
            let m = distribution.m, n = distribution.n
            // The tail on the side W fell, doubled; 2·w > m·n is R's `STATISTIC > n.x * n.y / 2`.
            let tail = 2 * w > m * n ? distribution.upperTail(w) : distribution.cdf(w)
            return min(2 * tail, 1)
        }
    }

    /// The exact interval: the qu-th smallest and the qu-th largest pairwise difference, qu being the
    /// α/2 quantile of W (α for a one-sided interval).
    private static func exactInterval(
        _ differences: [Double], _ distribution: WilcoxonDistribution, _ alternative: Alternative, _ confidence: Double
    ) -> (lower: Double, upper: Double, confidence: Double) {
        let alpha = 1 - confidence
        let tailAlpha = alternative == .twoSided ? alpha / 2 : alpha
        // qu = 0 would ask for the 0th difference: with samples this small the level cannot be reached, and
        // the widest interval (the extreme differences) is the best there is.
        let qu = max(distribution.quantile(tailAlpha), 1)
        let count = differences.count
        let achieved = (alternative == .twoSided ? 2 : 1) * distribution.cdf(qu - 1)
        let lower = alternative == .less ? -Double.infinity : differences[qu - 1]
        let upper = alternative == .greater ? Double.infinity : differences[count - qu]
        // R keeps the requested level unless the achieved α misses it by more than half.
        let reported = achieved - alpha > alpha / 2 ? 1 - achieved : confidence
        return (lower, upper, reported)
    }

    private static func normalPValue(
        w: Double, m: Int, n: Int, sigma: Double, _ alternative: Alternative, correct: Bool
    ) -> Double {
        // Every value tied: W sits exactly at its mean and there is no evidence of any shift. R divides
        // 0 by 0 here (NaN for two-sided); 1 is the limit it approaches from every other case.
        guard sigma > 0 else { return 1 }
        let centered = w - Double(m * n) / 2
        let z = (centered - continuity(centered, alternative, correct: correct)) / sigma
        switch alternative {
        case .less: return StandardNormal.cdf(z)
        case .greater: return StandardNormal.upperTail(z)
        case .twoSided: return min(2 * min(StandardNormal.cdf(z), StandardNormal.upperTail(z)), 1)
        }
    }

    /// The continuity correction R applies to W − m·n/2.
    static func continuity(_ centered: Double, _ alternative: Alternative, correct: Bool) -> Double {
        guard correct else { return 0 }
        switch alternative {
        case .twoSided: return centered > 0 ? 0.5 : centered < 0 ? -0.5 : 0
        case .greater: return 0.5
        case .less: return -0.5
        }
    }
}
