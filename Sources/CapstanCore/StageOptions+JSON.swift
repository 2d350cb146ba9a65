/// Stage options as they travel to plugins: the `with:` block as the user wrote it, with defaults filled in.
extension StageOptions {
    public var json: JSONValue {
        switch self {
        case .none:
            return .object([:])
        case .rollout(let replicas):
            switch replicas {
            case .count(let n): return .object(["replicas": .number(Double(n))])
            case .percent(let p): return .object(["replicas": .string("\(p)%")])
            }
        case .trafficRouting(let w):
            return .object(["primary": .number(Double(w.primary)), "canary": .number(Double(w.canary)),
                            "baseline": .number(Double(w.baseline))])
        case .wait(let duration):
            return .object(["duration": .string(DurationText.format(duration))])
        case .waitApproval(let options):
            return .object(["approvers": .array(options.approvers.map(JSONValue.string)),
                            "minApprovals": .number(Double(options.minApprovals))])
        case .scriptRun(let options):
            var object: [String: JSONValue] = ["run": .string(options.run),
                                               "env": .object(options.env.mapValues(JSONValue.string))]
            if let timeout = options.timeout { object["timeout"] = .string(DurationText.format(timeout)) }
            return .object(object)
        case .analysis(let options):
            return .object(["duration": .string(DurationText.format(options.duration)),
                            "metrics": .array(options.metrics.map { .string($0.name) })])
        }
    }
}
