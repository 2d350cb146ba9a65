import CapstanAnalysis
import Foundation
import Testing

@Suite struct AnalysisScoreTests {
    private func metric(
        _ name: String, _ classification: ComparisonVerdict.Classification, group: String? = nil, weight: Double = 1,
        critical: Bool = false
    ) -> ScoredMetric {
        ScoredMetric(name: name, group: group, weight: weight, classification: classification, critical: critical)
    }

    private func score(_ metrics: [ScoredMetric]) -> ScoreVerdict {
        AnalysisScore.score(metrics, passScore: 95, marginalScore: 75)
    }

    @Test(arguments: scorerCases)
    func scoresAsKayenta(_ vector: ScorerVector) {
        let verdict = score(vector.metrics)
        #expect(abs(verdict.score - vector.score) < 1e-9, "\(verdict.reason)")
    }

    @Test func thePassAndMarginalScoresAreInclusive() {
        let twenty = (0..<20).map { metric("m\($0)", $0 == 0 ? .high : .pass) }  // 95
        #expect(score(twenty).result == .pass)
        #expect(score(twenty).reason == "score 95 ≥ pass 95: 19 of 20 judged metrics passed; failing: m0 (High)")
        let four = (0..<4).map { metric("m\($0)", $0 == 0 ? .low : .pass) }  // 75
        #expect(score(four).result == .marginal)
        #expect(score(four).reason == "score 75 is marginal (pass 95, marginal 75): 3 of 4 judged metrics passed; failing: m0 (Low)")
        let three = [metric("a", .pass), metric("b", .high), metric("c", .pass)]  // 66.67
        #expect(score(three).score == 66.67)
        #expect(score(three).result == .fail)
        #expect(score(three).reason.hasPrefix("score 66.67 < marginal 75"))
    }

    @Test func weightsDecideHowMuchAMetricCounts() {
        let verdict = score([metric("latency", .high, weight: 3), metric("errors", .pass, weight: 1)])
        #expect(verdict.score == 25)
        #expect(verdict.result == .fail)
        // Weight 0 keeps a metric visible without letting it count.
        #expect(score([metric("latency", .high, weight: 0), metric("errors", .pass)]).score == 100)
    }

    @Test func aMetricWithoutDataHandsItsWeightToTheRestOfItsGroup() {
        let verdict = score([
            metric("p99", .noData, group: "latency", weight: 1), metric("p50", .pass, group: "latency", weight: 1),
            metric("errors", .high, weight: 2),
            metric("cpu", .pass, weight: 1), metric("memory", .pass, weight: 1),
        ])
        // latency weighs 2 and scores 100 on p50 alone; errors 2 × 0; cpu and memory 1 × 100 each.
        #expect(verdict.score == 66.67)
        #expect(verdict.groups.map(\.name) == ["latency", "errors", "cpu", "memory"])
        #expect(verdict.groups[0] == GroupScore(name: "latency", metrics: ["p99", "p50"], weight: 2, score: 100))
        #expect(verdict.reason.hasSuffix("3 of 4 judged metrics passed; failing: errors (High); no data: p99"))
    }

    @Test func aGroupWithNothingJudgedIsLeftOut() {
        // Kayenta would count the Nodata group as 100; here it neither helps nor hurts.
        let verdict = score([
            metric("p99", .noData, group: "latency"), metric("p50", .noData, group: "latency"),
            metric("errors", .high), metric("cpu", .pass), metric("memory", .pass),
        ])
        #expect(verdict.groups[0].score == nil)
        #expect(verdict.score == 66.67)
    }

    @Test func halfTheMetricsWithoutDataFailsTheAnalysis() {
        let verdict = score([metric("a", .noData), metric("b", .pass), metric("c", .noData), metric("d", .pass)])
        #expect(verdict.score == 0)
        #expect(verdict.result == .fail)
        #expect(verdict.reason == "2 of 4 metrics had no data (50% or more fails)")
        #expect(score([metric("a", .noData), metric("b", .pass), metric("c", .pass)]).score == 100)
    }

    @Test func aCriticalFailureScoresZero() {
        let verdict = score([metric("latency", .high, critical: true)] + (0..<9).map { metric("m\($0)", .pass) })
        #expect(verdict.score == 0)
        #expect(verdict.result == .fail)
        #expect(verdict.reason == "critical metric failed: latency (High)")
        // A critical metric without data fails the analysis too; one that passed does not.
        #expect(score([metric("latency", .noData, critical: true), metric("a", .pass), metric("b", .pass)]).score == 0)
        #expect(score([metric("latency", .pass, critical: true), metric("a", .pass)]).score == 100)
    }

    @Test func anErrorCountsAsAFailureNotAsMissing() {
        let verdict = score([metric("a", .error), metric("b", .pass)])
        #expect(verdict.score == 50)
        #expect(verdict.reason.contains("failing: a (Error)"))
    }

    @Test func aMetricWithoutAGroupStandsAloneEvenBesideAGroupOfItsName() {
        let verdict = score([metric("latency", .high), metric("p50", .pass, group: "latency"), metric("p99", .noData, group: "latency")])
        #expect(verdict.groups.count == 2)
        #expect(verdict.groups.map(\.metrics) == [["latency"], ["p50", "p99"]])
        #expect(verdict.score == 66.67)  // the group weighs 2 (its Nodata metric's weight stays with it)
    }

    @Test func nothingToScoreFails() {
        #expect(score([]).result == .fail)
        #expect(score([]).reason == "no metrics to score")
        #expect(score([metric("a", .pass, weight: 0)]).reason == "no judged metric carries any weight")
        #expect(score([metric("a", .pass, weight: -1)]).result == .fail)
        #expect(score([metric("a", .pass, weight: .nan)]).reason.contains("weights must be finite and ≥ 0"))
    }

    @Test func theVerdictIsCodable() throws {
        let verdict = score([metric("a", .pass, group: "g"), metric("b", .noData, group: "g"), metric("c", .pass)])
        let data = try JSONEncoder().encode(verdict)
        #expect(try JSONDecoder().decode(ScoreVerdict.self, from: data) == verdict)
    }

    static let scorerCases: [ScorerVector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/analysis/kayenta-scorer.json")
        do {
            return try JSONDecoder().decode(ScorerDocument.self, from: Data(contentsOf: url)).cases
        } catch {
            Issue.record("cannot read \(url.path): \(error)")
            return []
        }
    }()

    struct ScorerDocument: Decodable {
        let cases: [ScorerVector]
    }

    struct ScorerVector: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let source: String
        let metrics: [ScoredMetric]
        let score: Double

        var testDescription: String { name }
    }
}
