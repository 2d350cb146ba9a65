import CapstanCore
import CapstanPluginKit
import Testing
@testable import capstan_plugin_process

/// The weight formula and the stage options, as pure functions.
struct WeightFormulaTests {
    @Test(arguments: [
        // (primary %, canary %, baseline %, primary instances, canary instances, baseline instances)
        (90, 10, 0, 4, 1, 0),
        (50, 50, 0, 4, 1, 0),
        (80, 10, 10, 3, 1, 1),
        (99, 1, 0, 1, 1, 0),
        (20, 80, 0, 4, 1, 0),
        (0, 100, 0, 2, 2, 0),
        (100, 0, 0, 2, 0, 0),
        (34, 33, 33, 7, 2, 3),
    ])
    func eachVariantGetsItsShareWhateverItsInstanceCount(
        _ primary: Int, _ canary: Int, _ baseline: Int, _ nPrimary: Int, _ nCanary: Int, _ nBaseline: Int
    ) {
        let shares = TrafficShares(primary: primary, canary: canary, baseline: baseline)
        let counts: [Variant: Int] = [.primary: nPrimary, .canary: nCanary, .baseline: nBaseline].filter { $0.value > 0 }
        let weights = WeightFormula.perInstance(shares: shares, instances: counts)
        #expect(weights.values.allSatisfy { (0...WeightFormula.maxWeight).contains($0) })
        #expect(weights.values.max() == WeightFormula.maxWeight)
        let effective = WeightFormula.effectiveShares(weights: weights, instances: counts)
        for variant in Variant.allCases where counts[variant] != nil {
            #expect(abs((effective[variant] ?? 0) - Double(shares[variant])) < 0.5,
                    "\(variant): \(effective[variant] ?? 0)% for \(shares[variant])% with \(weights)")
            #expect((weights[variant] ?? 0 > 0) == (shares[variant] > 0))
        }
    }

    @Test func tenPercentOnOneInstanceBesideFourIsTheDocumentedExample() {
        let weights = WeightFormula.perInstance(shares: TrafficShares(primary: 90, canary: 10, baseline: 0),
                                                instances: [.primary: 4, .canary: 1])
        #expect(weights == [.primary: 256, .canary: 114])
    }

    /// The limit of integer weights: a small share spread over many instances cannot go below weight 1 each
    /// beside 256 for the densest variant (documented in docs/process-platform.md).
    @Test func aTinyShareOverManyInstancesIsFlooredAtWeightOne() {
        let counts: [Variant: Int] = [.primary: 10, .canary: 1]
        let weights = WeightFormula.perInstance(shares: TrafficShares(primary: 1, canary: 99, baseline: 0), instances: counts)
        #expect(weights == [.primary: 1, .canary: 256])
        let primary = WeightFormula.effectiveShares(weights: weights, instances: counts)[.primary] ?? 0
        #expect(primary > 3.7 && primary < 3.8)
    }

    @Test func aVariantWithAShareAndNoInstanceIsLeftOutForTheCallerToRefuse() {
        let weights = WeightFormula.perInstance(shares: TrafficShares(primary: 90, canary: 0, baseline: 10),
                                                instances: [.primary: 2, .canary: 1])
        #expect(weights == [.primary: 256, .canary: 0])
    }

    @Test func replicasOptions() throws {
        #expect(try StageOptionValues.replicas(.object(["replicas": .number(2)])) == .count(2))
        #expect(try StageOptionValues.replicas(.object(["replicas": .string("50%")])) == .percent(50))
        #expect(try StageOptionValues.replicas(.object([:])) == .count(1))
        #expect(ReplicaCount.percent(50).resolve(primaryReplicas: 3) == 2)
        for bad: JSONValue in [.object(["replicas": .string("0%")]), .object(["replicas": .number(1.5)]),
                               .object(["replicas": .bool(true)]), .object(["replica": .number(1)]), .string("x")] {
            #expect(throws: StageFailure.self) { try StageOptionValues.replicas(bad) }
        }
    }

    @Test func trafficOptions() throws {
        let full = JSONValue.object(["primary": .number(90), "canary": .number(10), "baseline": .number(0)])
        #expect(try StageOptionValues.traffic(full) == TrafficShares(primary: 90, canary: 10, baseline: 0))
        #expect(try StageOptionValues.traffic(.object(["canary": .number(100)])) == TrafficShares(primary: 0, canary: 100, baseline: 0))
        let wrongSum = #expect(throws: StageFailure.self) {
            try StageOptionValues.traffic(.object(["primary": .number(90)]))
        }
        #expect(wrongSum?.description.contains("sum to 100, got 90") == true)
        for bad: JSONValue in [.object(["primary": .number(101), "canary": .number(-1)]),
                               .object(["primary": .number(99.5), "canary": .number(0.5)]),
                               .object(["primary": .number(100), "green": .number(0)])] {
            #expect(throws: StageFailure.self) { try StageOptionValues.traffic(bad) }
        }
    }

    @Test func sharesDescribeThemselvesForTheLog() {
        #expect(TrafficShares(primary: 90, canary: 10, baseline: 0).description == "primary 90%, canary 10%")
        #expect(TrafficShares.allPrimary.description == "primary 100%")
    }
}
