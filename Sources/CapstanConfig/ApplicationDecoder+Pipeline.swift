import CapstanCore
import Yams

extension ApplicationDecoder {
    static func decodePipeline(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> [StageSpec]? {
        guard let stages = r.list(node, path, { item, itemPath in decodeStage(item, itemPath, r) }) else { return nil }
        // Order checks only make sense when every stage decoded, so indices match the file.
        if case .sequence(let items) = node, items.count == stages.count {
            checkOrder(stages, items: Array(items), path, r)
        }
        return stages
    }

    /// A stage may only use a variant an earlier stage started (and no clean stage stopped since).
    private static func checkOrder(_ stages: [StageSpec], items: [Node], _ path: FieldPath, _ r: YAMLReader) {
        var running: Set<String> = []
        for (index, stage) in stages.enumerated() {
            func need(_ variant: String, _ starter: StageKind, for what: String) {
                guard !running.contains(variant) else { return }
                r.error("\(what) needs a \(starter.rawValue) stage before it", at: items[index], path.index(index))
            }
            switch stage.options {
            case .rollout where stage.kind == .canaryRollout: running.insert("canary")
            case .rollout: running.insert("baseline")
            case .trafficRouting(let weights):
                if weights.canary > 0 { need("canary", .canaryRollout, for: "canary traffic") }
                if weights.baseline > 0 { need("baseline", .baselineRollout, for: "baseline traffic") }
            case .analysis(let analysis):
                for metric in analysis.metrics where metric.strategy == .canaryBaseline || metric.strategy == .canaryPrimary {
                    need("canary", .canaryRollout, for: "metric \(metric.name) (\(metric.strategy.rawValue))")
                    if metric.strategy == .canaryBaseline {
                        need("baseline", .baselineRollout, for: "metric \(metric.name) (canary-baseline)")
                    }
                }
            default:
                if stage.kind == .canaryClean { running.remove("canary") }
                if stage.kind == .baselineClean { running.remove("baseline") }
            }
        }
    }

    static func decodeStage(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> StageSpec? {
        guard let fields = r.mapping(node, path, known: ConfigSchema.stage) else { return nil }
        guard let kind = fields.required("stage", { r.choice($0, $1, StageKind.self) }) else { return nil }
        guard kind.isUserStage else {
            r.error("ROLLBACK is added by Capstan when a stage fails (rollback.auto); it cannot be listed",
                    at: fields.node("stage"), path.key("stage"))
            return nil
        }
        let timeout = fields.optional("timeout", r.positiveDuration)
        let known = ConfigSchema.stageOptions[kind] ?? []
        let withPath = path.key("with")
        let options: StageOptions?
        if let withNode = fields.node("with"), !withNode.isNull {
            guard let with = r.mapping(withNode, withPath, known: known) else { return nil }
            options = decodeOptions(kind, with, r)
        } else if known.isEmpty || !requiresOptions(kind) {
            options = defaultOptions(kind)
        } else {
            r.error("\(kind.rawValue) needs options: \(known.joined(separator: ", "))", at: node, withPath)
            options = nil
        }
        return options.map { StageSpec(kind, options: $0, timeout: timeout) }
    }

    private static func requiresOptions(_ kind: StageKind) -> Bool {
        [.trafficRouting, .wait, .scriptRun, .analysis].contains(kind)
    }

    private static func defaultOptions(_ kind: StageKind) -> StageOptions {
        switch kind {
        case .canaryRollout, .baselineRollout: .rollout(replicas: .count(1))
        case .waitApproval: .waitApproval(WaitApprovalOptions())
        default: .none
        }
    }

    private static func decodeOptions(_ kind: StageKind, _ with: Fields, _ r: YAMLReader) -> StageOptions? {
        switch kind {
        case .canaryRollout, .baselineRollout:
            return .rollout(replicas: with.optional("replicas") { replicas($0, $1, r) } ?? .count(1))
        case .trafficRouting:
            return trafficWeights(with, r).map(StageOptions.trafficRouting)
        case .wait:
            return with.required("duration", r.positiveDuration).map { .wait(duration: $0) }
        case .waitApproval:
            return .waitApproval(WaitApprovalOptions(
                approvers: with.optional("approvers", r.stringList) ?? [],
                minApprovals: with.optional("minApprovals") { r.int($0, $1, in: 1...100) } ?? 1))
        case .scriptRun:
            let run = with.required("run", r.nonEmptyString)
            let env = with.optional("env", r.stringMap) ?? [:]
            let timeout = with.optional("timeout", r.positiveDuration)
            return run.map { .scriptRun(ScriptRunOptions(run: $0, env: env, timeout: timeout)) }
        case .analysis:
            return decodeAnalysis(with, r).map(StageOptions.analysis)
        case .sync, .primaryRollout, .canaryClean, .baselineClean, .rollback:
            return StageOptions.none
        }
    }

    /// `3` instances or `"50%"` of primary's.
    private static func replicas(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> ReplicaCount? {
        guard let text = r.string(node, path) else { return nil }
        if text.hasSuffix("%"), let percent = Int(text.dropLast()), (1...100).contains(percent) {
            return .percent(percent)
        }
        if let count = Int(text), (1...1000).contains(count) { return .count(count) }
        r.error("expected a number of instances (1-1000) or a percentage like \"50%\", got \(quote(text))", at: node, path)
        return nil
    }

    private static func trafficWeights(_ with: Fields, _ r: YAMLReader) -> TrafficWeights? {
        let percent = { (node: Node, path: FieldPath) in r.int(node, path, in: 0...100) }
        let weights = TrafficWeights(primary: with.optional("primary", percent) ?? 0,
                                     canary: with.optional("canary", percent) ?? 0,
                                     baseline: with.optional("baseline", percent) ?? 0)
        let sum = weights.primary + weights.canary + weights.baseline
        guard sum == 100 else {
            r.error("primary, canary and baseline must sum to 100 (omitted ones count as 0), got \(sum)",
                    at: with.node, with.path)
            return nil
        }
        return weights
    }
}
