import CapstanAnalysis
import Testing

@Suite struct ThresholdCheckTests {
    @Test(arguments: [
        (0.4, 0.0, 0.5, ThresholdCheck.Outcome.within),
        (0.5, 0.0, 0.5, .within),  // bounds are inclusive
        (0.0, 0.0, 0.5, .within),
        (0.6, 0.0, 0.5, .above),
        (-0.1, 0.0, 0.5, .below),
        (Double.infinity, 0.0, 0.5, .above),
        (Double.nan, 0.0, 0.5, .noData),
    ])
    func eachSampleLiesWithinOrOutside(_ value: Double, _ min: Double, _ max: Double, _ outcome: ThresholdCheck.Outcome) {
        #expect(ThresholdCheck.check(value, min: min, max: max) == outcome)
    }

    @Test func aMissingBoundDoesNotLimit() {
        #expect(ThresholdCheck.check(1e9, min: 0, max: nil) == .within)
        #expect(ThresholdCheck.check(-1e9, min: nil, max: 0.5) == .within)
        #expect(ThresholdCheck.check(-1, min: 0, max: nil) == .below)
        #expect(ThresholdCheck.check(3, min: nil, max: nil) == .within)
    }

    @Test func failuresCountTowardTheLimit() {
        let samples = [0.1, 0.7, 0.2, 0.3]
        let tolerated = ThresholdCheck.judge(samples, min: nil, max: 0.5, failureLimit: 1)
        #expect(tolerated.classification == .pass)
        #expect(tolerated.reason == "1 of 4 samples outside [-∞, 0.5] (1 above, 0 below), within failureLimit 1")
        let failed = ThresholdCheck.judge(samples + [0.9], min: nil, max: 0.5, failureLimit: 1, critical: true)
        #expect(failed.classification == .high)
        #expect(failed.critical)
        #expect(failed.reason == "2 of 5 samples outside [-∞, 0.5] (2 above, 0 below), more than failureLimit 1")
        #expect(failed.pValue == nil && failed.estimate == nil && failed.effectSize == nil)
    }

    @Test func aFailureBelowTheMinimumIsLow() {
        let verdict = ThresholdCheck.judge([99.1, 98.2, 99.9], min: 99.5, max: 100, failureLimit: 0)
        #expect(verdict.classification == .low)
        #expect(!verdict.critical)
        #expect(ThresholdCheck.judge([99.9, 99.8], min: 99.5, max: 100, failureLimit: 0).reason == "all 2 samples within [99.5, 100]")
    }

    @Test func noNumberIsNoData() {
        let verdict = ThresholdCheck.judge([.nan, .nan], min: 0, max: 1, failureLimit: 0, critical: true)
        #expect(verdict.classification == .noData)
        #expect(verdict.critical)
        #expect(verdict.reason == "no sample was a number")
        #expect(ThresholdCheck.judge([], min: 0, max: 1, failureLimit: 0).reason == "no samples")
        // NaN among numbers neither passes nor fails.
        #expect(ThresholdCheck.judge([.nan, 2], min: 0, max: 1, failureLimit: 0).reason
                == "1 of 1 samples outside [0, 1] (1 above, 0 below), more than failureLimit 0")
    }
}
