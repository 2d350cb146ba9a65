import ArgumentParser
@testable import CapstanCLI
import Foundation
import Testing

@Suite struct JudgeCommandTests {
    private func judge(_ input: String, arguments: [String] = []) async throws -> (status: Int32, console: Console) {
        let console = Console.capturing(standardInput: input)
        let status = try await Capstan.Judge.parse(arguments).execute(console: console)
        return (status, console)
    }

    private func object(_ output: String) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    @Test func theWorkedExampleOfTheDocs() async throws {
        // docs/analysis.md: R's permeability example, x against y — no significant change.
        let (status, console) = try await judge("""
            {"control": [1.15, 0.88, 0.90, 0.74, 1.21],
             "experiment": [0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46]}
            """)
        #expect(status == 0)
        #expect(console.errors == "")
        #expect(console.output == """
            {
              "classification" : "Pass",
              "critical" : false,
              "effectSize" : 1.3452868852459017,
              "estimate" : 0.30500000000000005,
              "lower" : -0.15000000000000002,
              "pValue" : 0.2544122544122544,
              "reason" : "no significant change: the 95% confidence interval of the shift, [-0.15, 0.76], reaches into the tolerance band ±0.07625",
              "upper" : 0.7599999999999999
            }

            """)
    }

    @Test func aRegressionExitsOneWithTheVerdict() async throws {
        // docs/analysis.md: a critical latency regression.
        let (status, console) = try await judge("""
            {"control": [212, 198, 205, 220, 201, 199, 215, 208, 203, 210],
             "experiment": [251, 262, 240, 258, 249, 270, 244, 255, 261, 247],
             "direction": "increase", "critical": true, "effectSize": {"criticalIncrease": 1.15}}
            """)
        #expect(status == 1)
        #expect(console.output == """
            {
              "classification" : "High",
              "critical" : true,
              "effectSize" : 1.2250120714630612,
              "estimate" : 46,
              "lower" : 39,
              "pValue" : 1.082508822446903e-05,
              "reason" : "the experiment is higher than the control: the 95% confidence interval of the shift, [39, 55], lies above the tolerance band ±11.5 (mean ratio 1.225); critical: mean ratio 1.225 is at or above criticalIncrease 1.15",
              "upper" : 55
            }

            """)
    }

    @Test func mostlyZeroErrorCountsNeedAToleranceOfZero() async throws {
        // docs/analysis.md: the band around a small estimate swallows the increase; tolerance 0 does not.
        let input = """
            "control": [0, 0, 0, null, 0, 1, 0, 0, 0, 0, 0, 0],
            "experiment": [0, 2, 0, 3, 1, 0, 4, 2, 0, 5, 3, 1], "direction": "increase", "nanStrategy": "replace"
            """
        let banded = try await judge("{\(input)}")
        #expect(banded.status == 0)
        #expect(try object(banded.console.output)["reason"] as? String
                == "no significant change: the 95% confidence interval of the shift, (0, 3), reaches into the tolerance band ±0.25")
        let strict = try await judge("{\(input), \"tolerance\": 0}")
        #expect(strict.status == 1)
        #expect(try object(strict.console.output)["classification"] as? String == "High")
    }

    @Test func everyOptionIsRead() async throws {
        // CLES 0.99 against allowedIncrease 0.995: a significant increase that is not large enough.
        let control = (0..<10).map { "\($0)" }.joined(separator: ", ")
        let experiment = (0..<10).map { "\(Double($0) + 8.5)" }.joined(separator: ", ")
        let (status, console) = try await judge("""
            {"control": [\(control)], "experiment": [\(experiment)], "direction": "either", "confidence": 0.9,
             "tolerance": 0.2, "critical": false, "nanStrategy": "replace",
             "effectSize": {"measure": "cles", "allowedIncrease": 0.995, "allowedDecrease": 0.1,
                            "criticalIncrease": 1, "criticalDecrease": 0}}
            """)
        #expect(status == 0)
        let verdict = try object(console.output)
        #expect(verdict["effectSize"] as? Double == 0.99)
        #expect(verdict["reason"] as? String == "a significant increase, but its CLES 0.99 is below allowedIncrease 0.995")
    }

    @Test func nullIsANaNSampleAndAnUndefinedNumberIsNull() async throws {
        let (status, console) = try await judge(#"{"control": [null, null], "experiment": [1, 2]}"#)
        #expect(status == 1)
        let verdict = try object(console.output)
        #expect(verdict["classification"] as? String == "Nodata")
        #expect(verdict["reason"] as? String == "every control sample was NaN (nanStrategy: remove)")
        for field in ["pValue", "estimate", "lower", "upper", "effectSize"] {
            #expect(verdict[field] is NSNull, "\(field)")
        }
        let replaced = try await judge(#"{"control": [null, null, null], "experiment": [3, 4, 5], "nanStrategy": "replace"}"#)
        #expect(try object(replaced.console.output)["classification"] as? String == "High")
        #expect(try object(replaced.console.output)["effectSize"] is NSNull)  // the control's mean is 0
    }

    @Test(arguments: [
        ("", "standard input is empty; expected one JSON object with control and experiment"),
        ("  \n", "standard input is empty; expected one JSON object with control and experiment"),
        ("{control: [1]}", "standard input is not valid JSON"),
        ("[1, 2]", "standard input must be one JSON object, got an array"),
        (#"{"experiment": [1]}"#, "control: required: an array of numbers (null for NaN)"),
        (#"{"control": [1]}"#, "experiment: required: an array of numbers (null for NaN)"),
        (#"{"control": 1, "experiment": [1]}"#, "control: expected an array of numbers (null for NaN), got a number"),
        (#"{"control": [1], "experiment": [1, "2"]}"#, #"experiment[1]: expected a number or null, got "2""#),
        (#"{"control": [true], "experiment": [1]}"#, "control[0]: expected a number or null, got true"),
        (#"{"control": [1], "experiment": [1], "tolerence": 0.5}"#,
         "tolerence: unknown field; expected one of control, experiment, direction, confidence, tolerance, effectSize, critical, nanStrategy"),
        (#"{"control": [1], "experiment": [1], "confidence": 1.5}"#, "confidence: must be between 0.5 and 0.9999, got 1.5"),
        (#"{"control": [1], "experiment": [1], "confidence": 0.4}"#, "confidence: must be between 0.5 and 0.9999, got 0.4"),
        (#"{"control": [1], "experiment": [1], "confidence": "high"}"#, #"confidence: expected a number, got "high""#),
        (#"{"control": [1], "experiment": [1], "tolerance": -1}"#, "tolerance: must be between 0 and 100, got -1"),
        (#"{"control": [1], "experiment": [1], "direction": "up"}"#, #"direction: expected one of increase, decrease, either, got "up""#),
        (#"{"control": [1], "experiment": [1], "nanStrategy": "drop"}"#, #"nanStrategy: expected one of remove, replace, got "drop""#),
        (#"{"control": [1], "experiment": [1], "critical": "yes"}"#, #"critical: expected true or false, got "yes""#),
        (#"{"control": [1], "experiment": [1], "effectSize": 2}"#, "effectSize: expected an object, got a number"),
        (#"{"control": [1], "experiment": [1], "effectSize": {"measure": "ratio"}}"#, #"effectSize.measure: expected one of meanRatio, cles, got "ratio""#),
        (#"{"control": [1], "experiment": [1], "effectSize": {"allowedIncrease": -2}}"#, "effectSize.allowedIncrease: must be between 0 and 1000000, got -2"),
        (#"{"control": [1], "experiment": [1], "effectSize": {"allowedincrease": 2}}"#,
         "effectSize.allowedincrease: unknown field; expected one of measure, allowedIncrease, allowedDecrease, criticalIncrease, criticalDecrease"),
    ])
    func badInputNamesTheFieldAndExitsTwo(_ input: String, _ message: String) async throws {
        let (status, console) = try await judge(input)
        #expect(status == 2)
        #expect(console.errors == "capstan judge: \(message)\n")
        #expect(console.output == "")
    }

    @Test func itIsASubcommandOfCapstan() throws {
        #expect(Capstan.configuration.subcommands.contains { $0 == Capstan.Judge.self })
        #expect(Capstan.Judge.helpMessage().contains("null in control or experiment is a NaN sample"))
    }
}
