import CapstanAnalysis
import Foundation
import Testing

/// Runs every case of Tests/Fixtures/analysis/mann-whitney.json (made with R's wilcox.test by
/// mann-whitney.R beside it) through MannWhitney.test.
@Suite struct MannWhitneyVectorTests {
    static let cases: [Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/analysis/mann-whitney.json")
        do {
            return try JSONDecoder().decode(Document.self, from: Data(contentsOf: url)).cases
        } catch {
            Issue.record("cannot read \(url.path): \(error)")
            return []
        }
    }()

    @Test func theFixtureHasTheCasesItPromises() {
        #expect(Self.cases.count >= 20)
        #expect(Self.cases.contains { $0.expect.method == .exact })
        #expect(Self.cases.contains { $0.expect.method == .normal })
        #expect(Self.cases.allSatisfy { !$0.source.isEmpty })
    }

    @Test(arguments: cases)
    func agreesWithR(_ vector: Vector) throws {
        let result = try MannWhitney.test(
            vector.x, vector.y, alternative: vector.alternative, confidence: vector.confidence, mu: vector.mu,
            exact: vector.exact, correct: vector.correct)
        let expect = vector.expect
        #expect(result.method == expect.method)
        #expect(result.w == expect.w)
        #expect(abs(result.pValue - expect.pValue) <= 1e-9 * max(1, expect.pValue), "p-value \(result.pValue)")
        #expect(abs(result.confidence - expect.achievedConfidence) <= 1e-12)
        // R's exact bounds are order statistics of the same differences; its normal-approximation bounds
        // come from uniroot with a tolerance of 1e-4, around the step that MannWhitney finds exactly.
        let boundTolerance = expect.method == .exact ? 1e-12 : 1e-4
        #expect(close(result.lower, expect.lower.value, boundTolerance), "lower \(result.lower)")
        #expect(close(result.upper, expect.upper.value, boundTolerance), "upper \(result.upper)")
        #expect(abs(result.estimate - expect.estimate) <= 1e-12, "estimate \(result.estimate)")
        // R's own estimate lies on the same step: between the two middle pairwise differences.
        let differences = vector.x.flatMap { x in vector.y.map { x - $0 } }.sorted()
        let middle = (differences[(differences.count - 1) / 2], differences[differences.count / 2])
        #expect(expect.rEstimate >= middle.0 - 1e-4 && expect.rEstimate <= middle.1 + 1e-4)
        if expect.method == .exact { #expect(abs(result.estimate - expect.rEstimate) <= 1e-12) }
    }

    private func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        a.isInfinite || b.isInfinite ? a == b : abs(a - b) <= tolerance
    }

    struct Document: Decodable {
        let about: String
        let cases: [Vector]
    }

    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let source: String
        let published: String
        let x: [Double]
        let y: [Double]
        let alternative: MannWhitney.Alternative
        let confidence: Double
        let mu: Double
        let exact: Bool?
        let correct: Bool
        let expect: Expected

        var testDescription: String { name }
    }

    struct Expected: Decodable, Sendable {
        let method: MannWhitney.Method
        let w: Double
        let pValue: Double
        let lower: Bound
        let upper: Bound
        let achievedConfidence: Double
        let estimate: Double
        let rEstimate: Double
    }

    /// A number, or "Infinity" / "-Infinity" for the open end of a one-sided interval.
    struct Bound: Decodable, Sendable {
        let value: Double

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) {
                value = number
            } else {
                let text = try container.decode(String.self)
                guard let infinite = ["Infinity": Double.infinity, "-Infinity": -Double.infinity][text] else {
                    throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a bound: \(text)")
                }
                value = infinite
            }
        }
    }
}
