import CapstanAnalysis
import Foundation
import Testing

@Suite struct ComparisonVerdictTests {
    private func json(_ verdict: ComparisonVerdict) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(verdict), as: UTF8.self)
    }

    @Test func anUndefinedNumberIsNullNotMissingOrZero() throws {
        let verdict = ComparisonVerdict(classification: .noData, critical: true, reason: "the control has no samples")
        #expect(try json(verdict) == #"{"classification":"Nodata","critical":true,"effectSize":null,"estimate":null,"lower":null,"pValue":null,"reason":"the control has no samples","upper":null}"#)
    }

    @Test func aVerdictSurvivesJSON() throws {
        let verdict = MetricComparison.judge(control: [1, 2, 3, 4], experiment: [10, 20, 30, 40], options: .init())
        let data = try JSONEncoder().encode(verdict)
        #expect(try JSONDecoder().decode(ComparisonVerdict.self, from: data) == verdict)
        let empty = ComparisonVerdict(classification: .error, critical: false, reason: "r")
        #expect(try JSONDecoder().decode(ComparisonVerdict.self, from: JSONEncoder().encode(empty)) == empty)
    }

    @Test func classificationsAreSpelledAsKayenta() {
        #expect(ComparisonVerdict.Classification.allCases.map(\.rawValue) == ["Pass", "High", "Low", "Nodata", "Error"])
    }
}
