@testable import CapstanAnalysis
import Testing

/// MannWhitney beyond the R vectors: its building blocks, the switch between methods, and the cases where
/// R stops or returns NaN.
@Suite struct MannWhitneyTests {
    @Test func theExactDistributionCountsEveryArrangement() {
        // W for 3 against 3: the coefficients of the Gaussian binomial [6 choose 3].
        let distribution = WilcoxonDistribution(m: 3, n: 3)
        let counts = [1.0, 1, 2, 3, 3, 3, 3, 2, 1, 1]
        var cumulative = 0.0
        for (w, count) in counts.enumerated() {
            cumulative += count
            #expect(abs(distribution.cdf(w) - cumulative / 20) < 1e-15)
            #expect(abs(distribution.upperTail(w) - (21 - cumulative + count - 1) / 20) < 1e-15)
        }
        #expect(distribution.cdf(-1) == 0)
        #expect(distribution.cdf(9) == 1)
    }

    @Test(arguments: [
        // qwilcox(p, m, n) from R 4.2.2.
        (0.025, 4, 4, 1), (0.025, 5, 5, 3), (0.025, 10, 5, 9), (0.05, 10, 5, 12), (0.5, 10, 5, 25), (0.975, 10, 5, 41),
        (0.025, 3, 3, 0), (0.005, 49, 49, 840),
    ])
    func quantilesMatchR(_ p: Double, _ m: Int, _ n: Int, _ expected: Int) {
        #expect(WilcoxonDistribution(m: m, n: n).quantile(p) == expected)
    }

    @Test func theLargestExactDistributionSumsToOne() {
        let distribution = WilcoxonDistribution(m: 49, n: 49)
        #expect(distribution.cdf(49 * 49) == 1)
        #expect(abs(distribution.cdf(1200) + distribution.upperTail(1201) - 1) < 1e-12)
        #expect(abs(distribution.cdf(1200) - distribution.upperTail(49 * 49 - 1200)) < 1e-15)
    }

    @Test(arguments: [
        // qnorm(p, lower.tail = FALSE) from R.
        (0.025, 1.9599639845400538), (0.005, 2.5758293035488999), (0.01, 2.3263478740408408),
        (0.5, 0.0), (0.975, -1.959963984540054), (1e-10, 6.3613409024040557),
    ])
    func normalQuantilesMatchR(_ q: Double, _ z: Double) {
        #expect(abs(StandardNormal.upperQuantile(q) - z) < 1e-14)
        #expect(abs(StandardNormal.quantile(q) + z) < 1e-14)
    }

    @Test func theMethodSwitchesAtFiftyOrAtTheFirstTie() throws {
        let small = (1...49).map(Double.init), shifted = (1...49).map { Double($0) + 0.5 }
        #expect(try MannWhitney.test(small, shifted).method == .exact)
        #expect(try MannWhitney.test(small + [100.25], shifted).method == .normal)
        #expect(try MannWhitney.test(small, shifted + [200.25]).method == .normal)
        #expect(try MannWhitney.test([1, 2, 3], [2, 4, 5]).method == .normal)  // 2 ties
        #expect(try MannWhitney.test([1, 1, 3], [2, 4, 5]).method == .normal)  // a tie within x
        #expect(try MannWhitney.test(small + [100.25], shifted, exact: true).method == .exact)
        #expect(try MannWhitney.test([1, 2, 3], [2, 4, 5], exact: true).method == .normal)  // R falls back too
        #expect(try MannWhitney.test([1, 2], [3, 4], exact: false).method == .normal)
    }

    @Test func everyValueTiedIsNoEvidenceOfAnyShift() throws {
        // R: p-value NaN and "cannot compute confidence interval when all observations are tied".
        for alternative in MannWhitney.Alternative.allCases {
            let result = try MannWhitney.test([3, 3, 3], [3, 3], alternative: alternative)
            #expect(result.pValue == 1)
            #expect(result.estimate == 0)
            #expect(result.w == 3)
        }
        let twoSided = try MannWhitney.test([3, 3, 3], [3, 3])
        #expect(twoSided.lower == 0 && twoSided.upper == 0)
        #expect(!twoSided.lowerOpen && !twoSided.upperOpen)
    }

    @Test func twoConstantSamplesAreShiftedByTheirDifference() throws {
        // R stops here as well; the interval is the one difference every pair has.
        let result = try MannWhitney.test([10, 10, 10, 10, 10], [1, 1, 1, 1, 1])
        #expect(result.estimate == 9 && result.lower == 9 && result.upper == 9)
        #expect(result.method == .normal)
        #expect(abs(result.pValue - 0.00397675170979) < 1e-12)  // R: wilcox.test(rep(10, 5), rep(1, 5))$p.value
        let greater = try MannWhitney.test([10, 10], [1, 1], alternative: .greater)
        #expect(greater.lower == 9 && greater.upper == .infinity)
        let less = try MannWhitney.test([10, 10], [1, 1], alternative: .less)
        #expect(less.lower == -.infinity && less.upper == 9)
    }

    @Test func zeroInflatedSamplesGiveAnEmptyIntervalThatLeansOneWay() throws {
        // Mostly 0 on both sides, the experiment's non-zero values more often: every pure shift is
        // rejected, and the interval is empty just above 0.
        let control = Array(repeating: 0.0, count: 40) + [1, 2]
        let experiment = Array(repeating: 0.0, count: 30) + (1...12).map(Double.init)
        let result = try MannWhitney.test(experiment, control)
        #expect(result.pValue < 0.05)
        #expect(result.lower == 0 && result.lowerOpen)
        #expect(result.upper == 0 && !result.upperOpen)
        // Mirrored, it leans below 0.
        let mirrored = try MannWhitney.test(control, experiment)
        #expect(mirrored.upper == 0 && mirrored.upperOpen)
        #expect(mirrored.lower == 0 && !mirrored.lowerOpen)
    }

    @Test func swappingTheSamplesMirrorsEverything() throws {
        let x = [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46], y = [1.15, 0.88, 0.90, 0.74, 1.21]
        for exact in [true, false] {
            let forward = try MannWhitney.test(x, y, exact: exact), backward = try MannWhitney.test(y, x, exact: exact)
            #expect(forward.w + backward.w == Double(x.count * y.count))
            #expect(abs(forward.pValue - backward.pValue) < 1e-12)
            #expect(abs(forward.estimate + backward.estimate) < 1e-12)
            #expect(abs(forward.lower + backward.upper) < 1e-12 && abs(forward.upper + backward.lower) < 1e-12)
        }
    }

    @Test func badInputIsRefusedWithTheReason() {
        #expect(throws: MannWhitney.Failure.emptySample("x")) { try MannWhitney.test([], [1]) }
        #expect(throws: MannWhitney.Failure.emptySample("y")) { try MannWhitney.test([1], []) }
        #expect(throws: MannWhitney.Failure.notFinite("x")) { try MannWhitney.test([.nan], [1]) }
        #expect(throws: MannWhitney.Failure.notFinite("y")) { try MannWhitney.test([1], [.infinity]) }
        #expect(throws: MannWhitney.Failure.confidenceOutOfRange(1)) { try MannWhitney.test([1], [2], confidence: 1) }
        #expect(throws: MannWhitney.Failure.confidenceOutOfRange(0)) { try MannWhitney.test([1], [2], confidence: 0) }
        #expect(throws: MannWhitney.Failure.muNotFinite(.infinity)) { try MannWhitney.test([1], [2], mu: .infinity) }
        #expect(MannWhitney.Failure.emptySample("x").description == "x has no values")
    }

    @Test func oneValueAgainstOneIsTheirDifference() throws {
        let result = try MannWhitney.test([5], [2])
        #expect(result.method == .exact)
        #expect(result.pValue == 1)
        #expect(result.estimate == 3 && result.lower == 3 && result.upper == 3)
        #expect(result.confidence == 0)  // the only interval there is reaches no confidence at all
    }
}
