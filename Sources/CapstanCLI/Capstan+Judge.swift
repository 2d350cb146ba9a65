public import ArgumentParser
import CapstanAnalysis
import CapstanCore
import Foundation

extension Capstan {
    /// `capstan judge`: compares two sets of samples the way ANALYSIS judges a canary against its baseline,
    /// reading one JSON document on stdin and printing the verdict as JSON.
    public struct Judge: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Compare a canary's samples with a baseline's, as ANALYSIS does, and print the verdict as JSON.",
            discussion: """
                Reads one JSON object on standard input; all but control and experiment are optional \
                and default to what is shown:
                  {"control": [...], "experiment": [...],
                   "direction": "either", "confidence": 0.95, "tolerance": 0.25,
                   "effectSize": {"measure": "meanRatio",
                                  "allowedIncrease": 1.0, "allowedDecrease": 1.0,
                                  "criticalIncrease": 1.0, "criticalDecrease": 1.0},
                   "critical": false, "nanStrategy": "remove"}
                null in control or experiment is a NaN sample. Ranges are those of capstan.yaml. \
                Prints classification (Pass, High, Low, Nodata, Error), critical, pValue, estimate, \
                lower, upper, effectSize (null when undefined) and reason. Exits 0 for Pass, 1 for any \
                other classification, 2 for bad input. See docs/analysis.md.
                """
        )

        public init() {}

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async throws -> Int32 {
            let input: JudgeInput
            do {
                input = try JudgeInput(json: console.readStandardInput())
            } catch {
                console.err("capstan judge: \(error.message)")
                return 2
            }
            let verdict = MetricComparison.judge(control: input.control, experiment: input.experiment, options: input.options)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            console.out(String(decoding: try encoder.encode(verdict), as: UTF8.self))
            return verdict.classification == .pass ? 0 : 1
        }
    }
}

/// What `capstan judge` could not accept on its standard input, naming the field.
struct JudgeInputError: Error, Equatable {
    let message: String

    init(_ message: String) {
        self.message = message
    }

    init(field: String, _ problem: String) {
        self.message = "\(field): \(problem)"
    }
}

/// The input of `capstan judge`, checked field by field like capstan.yaml: unknown fields are errors.
struct JudgeInput {
    var control: [Double]
    var experiment: [Double]
    var options = MetricComparison.Options()

    static let fields = ["control", "experiment", "direction", "confidence", "tolerance", "effectSize", "critical", "nanStrategy"]
    static let effectSizeFields = ["measure", "allowedIncrease", "allowedDecrease", "criticalIncrease", "criticalDecrease"]

    init(json data: Data) throws(JudgeInputError) {
        guard !data.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) else {
            throw JudgeInputError("standard input is empty; expected one JSON object with control and experiment")
        }
        let root: JSONValue
        do {
            root = try JSONDecoder().decode(JSONValue.self, from: data)
        } catch {
            throw JudgeInputError("standard input is not valid JSON")
        }
        guard case .object(let object) = root else {
            throw JudgeInputError("standard input must be one JSON object, got \(Self.kind(root))")
        }
        try Self.refuseUnknown(object, known: Self.fields, prefix: "")
        control = try Self.samples(object["control"], field: "control")
        experiment = try Self.samples(object["experiment"], field: "experiment")
        if let value = object["direction"] { options.direction = try Self.choice(value, field: "direction") }
        if let value = object["confidence"] { options.confidence = try Self.number(value, field: "confidence", in: 0.5...0.9999) }
        if let value = object["tolerance"] { options.tolerance = try Self.number(value, field: "tolerance", in: 0...100) }
        if let value = object["critical"] {
            guard case .bool(let flag) = value else { throw JudgeInputError(field: "critical", "expected true or false, got \(value)") }
            options.critical = flag
        }
        if let value = object["nanStrategy"] { options.nanStrategy = try Self.choice(value, field: "nanStrategy") }
        if let value = object["effectSize"] { options.effectSize = try Self.effectSize(value) }
    }

    private static func effectSize(_ value: JSONValue) throws(JudgeInputError) -> EffectSize {
        guard case .object(let object) = value else {
            throw JudgeInputError(field: "effectSize", "expected an object, got \(kind(value))")
        }
        try refuseUnknown(object, known: effectSizeFields, prefix: "effectSize.")
        var effect = EffectSize()
        if let measure = object["measure"] { effect.measure = try choice(measure, field: "effectSize.measure") }
        let limits: [(String, WritableKeyPath<EffectSize, Double>)] = [
            ("allowedIncrease", \.allowedIncrease), ("allowedDecrease", \.allowedDecrease),
            ("criticalIncrease", \.criticalIncrease), ("criticalDecrease", \.criticalDecrease),
        ]
        for (name, path) in limits {
            if let limit = object[name] { effect[keyPath: path] = try number(limit, field: "effectSize.\(name)", in: 0...1_000_000) }
        }
        return effect
    }

    private static func refuseUnknown(_ object: [String: JSONValue], known: [String], prefix: String) throws(JudgeInputError) {
        if let unknown = object.keys.sorted().first(where: { !known.contains($0) }) {
            throw JudgeInputError(field: prefix + unknown, "unknown field; expected one of \(known.joined(separator: ", "))")
        }
    }

    /// An array of numbers, null standing for NaN (JSON has no NaN).
    private static func samples(_ value: JSONValue?, field: String) throws(JudgeInputError) -> [Double] {
        guard let value else { throw JudgeInputError(field: field, "required: an array of numbers (null for NaN)") }
        guard case .array(let items) = value else {
            throw JudgeInputError(field: field, "expected an array of numbers (null for NaN), got \(kind(value))")
        }
        var numbers: [Double] = []
        for (index, item) in items.enumerated() {
            switch item {
            case .number(let number): numbers.append(number)
            case .null: numbers.append(.nan)
            default: throw JudgeInputError(field: "\(field)[\(index)]", "expected a number or null, got \(item)")
            }
        }
        return numbers
    }

    private static func number(_ value: JSONValue, field: String, in range: ClosedRange<Double>) throws(JudgeInputError) -> Double {
        guard case .number(let number) = value else { throw JudgeInputError(field: field, "expected a number, got \(value)") }
        guard range.contains(number) else {
            let (low, high) = (JSONValue.number(range.lowerBound), JSONValue.number(range.upperBound))
            throw JudgeInputError(field: field, "must be between \(low) and \(high), got \(value)")
        }
        return number
    }

    private static func choice<Choice: RawRepresentable & CaseIterable>(_ value: JSONValue, field: String) throws(JudgeInputError) -> Choice
    where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue)
        guard case .string(let text) = value, let choice = Choice(rawValue: text) else {
            throw JudgeInputError(field: field, "expected one of \(names.joined(separator: ", ")), got \(value)")
        }
        return choice
    }

    private static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}
