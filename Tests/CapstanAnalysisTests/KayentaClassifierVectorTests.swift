import CapstanAnalysis
import CapstanCore
import Foundation
import Testing

/// Runs every case of Tests/Fixtures/analysis/kayenta-classifier.json — Kayenta's ClassifierSuite and the
/// worked examples of Spinnaker's judge documentation — through MetricComparison.judge.
@Suite struct KayentaClassifierVectorTests {
    static let cases: [Vector] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/analysis/kayenta-classifier.json")
        do {
            return try JSONDecoder().decode(Document.self, from: Data(contentsOf: url)).cases
        } catch {
            Issue.record("cannot read \(url.path): \(error)")
            return []
        }
    }()

    @Test func theFixtureCoversEveryClassificationKayentaTests() {
        let expected = Set(Self.cases.map(\.expect.classification))
        #expect(expected == ["Pass", "High", "Low", "Nodata"])
        #expect(Self.cases.count >= 25)
        // A deviation from Kayenta is always explained.
        #expect(Self.cases.allSatisfy { ($0.kayenta == nil) == ($0.deviation == nil) })
    }

    @Test(arguments: cases)
    func classifiesAsKayenta(_ vector: Vector) throws {
        let verdict = MetricComparison.judge(
            control: vector.control.map { $0 ?? .nan }, experiment: vector.experiment.map { $0 ?? .nan },
            options: try vector.options.options())
        #expect(verdict.classification.rawValue == vector.expect.classification, "\(verdict.reason)")
        if let critical = vector.expect.critical { #expect(verdict.critical == critical, "\(verdict.reason)") }
        #expect(!verdict.reason.isEmpty)
    }

    struct Document: Decodable {
        let about: String
        let cases: [Vector]
    }

    struct Vector: Decodable, Sendable, CustomTestStringConvertible {
        let name: String
        let source: String
        let control: [Double?]
        let experiment: [Double?]
        let options: OptionsJSON
        let expect: Expected
        let kayenta: String?
        let deviation: String?

        var testDescription: String { name }
    }

    struct Expected: Decodable, Sendable {
        let classification: String
        let critical: Bool?
    }

    struct OptionsJSON: Decodable, Sendable {
        let direction: String
        let confidence: Double
        let tolerance: Double
        let effectSize: EffectSizeJSON
        let critical: Bool
        let nanStrategy: String

        func options() throws -> MetricComparison.Options {
            var effect = EffectSize()
            effect.measure = try #require(EffectSizeMeasure(rawValue: effectSize.measure))
            effect.allowedIncrease = effectSize.allowedIncrease
            effect.allowedDecrease = effectSize.allowedDecrease
            effect.criticalIncrease = effectSize.criticalIncrease
            effect.criticalDecrease = effectSize.criticalDecrease
            return MetricComparison.Options(
                direction: try #require(MetricDirection(rawValue: direction)), confidence: confidence,
                tolerance: tolerance, effectSize: effect, critical: critical,
                nanStrategy: try #require(NaNStrategy(rawValue: nanStrategy)))
        }
    }

    struct EffectSizeJSON: Decodable, Sendable {
        let measure: String
        let allowedIncrease: Double
        let allowedDecrease: Double
        let criticalIncrease: Double
        let criticalDecrease: Double
    }
}
