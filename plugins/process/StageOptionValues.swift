import CapstanCore
import CapstanPluginKit

/// Reads the `with:` options of the progressive stages from `ExecuteStageParams.options`, in the shapes
/// the engine sends (`StageOptions.json`): `{"replicas": 2}` or `{"replicas": "50%"}`, and
/// `{"primary": 90, "canary": 10, "baseline": 0}`. Pure: a bad value is a ``StageFailure`` naming it.
enum StageOptionValues {
    /// CANARY_ROLLOUT / BASELINE_ROLLOUT: `replicas`, a count or a percentage of primary's; 1 when absent.
    static func replicas(_ options: JSONValue) throws(StageFailure) -> ReplicaCount {
        let fields = try object(options, stage: "CANARY_ROLLOUT/BASELINE_ROLLOUT", known: ["replicas"])
        switch fields["replicas"] {
        case nil, .null?:
            return .count(1)
        case .number(let n)? where n == n.rounded() && n >= 1 && n <= 1000:
            return .count(Int(n))
        case .string(let text)? where text.hasSuffix("%"):
            if let percent = Int(text.dropLast()), (1...100).contains(percent) { return .percent(percent) }
        case .string(let text)?:
            if let n = Int(text), (1...1000).contains(n) { return .count(n) }
        default:
            break
        }
        throw StageFailure("with.replicas must be a number of instances (1-1000) or a percentage like \"50%\", "
            + "got \(fields["replicas"].map(\.description) ?? "nothing")")
    }

    /// TRAFFIC_ROUTING: percent per variant, each 0-100, an omitted one 0, summing to 100.
    static func traffic(_ options: JSONValue) throws(StageFailure) -> TrafficShares {
        let fields = try object(options, stage: "TRAFFIC_ROUTING", known: Variant.allCases.map(\.rawValue))
        var shares = TrafficShares(primary: 0, canary: 0, baseline: 0)
        for variant in Variant.allCases {
            switch fields[variant.rawValue] {
            case nil, .null?:
                continue
            case .number(let n)? where n == n.rounded() && (0...100).contains(n):
                shares[variant] = Int(n)
            case let other?:
                throw StageFailure("with.\(variant.rawValue) must be a whole percentage 0-100, got \(other)")
            }
        }
        let sum = shares.primary + shares.canary + shares.baseline
        guard sum == 100 else {
            throw StageFailure("TRAFFIC_ROUTING shares must sum to 100, got \(sum) (\(shares.primary) primary, "
                + "\(shares.canary) canary, \(shares.baseline) baseline)")
        }
        return shares
    }

    private static func object(_ options: JSONValue, stage: String,
                               known: [String]) throws(StageFailure) -> [String: JSONValue] {
        switch options {
        case .null: return [:]
        case .object(let fields):
            if let unknown = fields.keys.sorted().first(where: { !known.contains($0) }) {
                throw StageFailure("\(stage) does not take option \(unknown) (it takes \(known.joined(separator: ", ")))")
            }
            return fields
        default: throw StageFailure("\(stage) options must be an object, got \(options)")
        }
    }
}
