import CapstanCore
import Yams

extension ApplicationDecoder {
    static func decodeAnalysis(_ with: Fields, _ r: YAMLReader) -> AnalysisOptions? {
        let duration = with.required("duration", r.positiveDuration)
        let metrics = with.required("metrics") { node, path in r.list(node, path) { decodeMetric($0, $1, r) } }
        let score = { (node: Node, path: FieldPath) in r.double(node, path, in: 0...100) }
        let pass = with.optional("passScore", score) ?? 95
        let marginal = with.optional("marginalScore", score) ?? 75
        if marginal > pass {
            r.error("marginalScore (\(marginal)) must not exceed passScore (\(pass))", at: with.node, with.path)
        }
        if let metrics, metrics.isEmpty, case .sequence(let seq)? = with.node("metrics"), seq.isEmpty {
            r.error("list at least one metric", at: with.node("metrics"), with.path.key("metrics"))
        }
        guard let duration, let metrics else { return nil }
        return AnalysisOptions(duration: duration, metrics: metrics, passScore: pass, marginalScore: marginal)
    }

    private static func decodeMetric(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> MetricSpec? {
        guard let f = r.mapping(node, path, known: ConfigSchema.metric) else { return nil }
        let name = f.required("name", r.name)
        let provider = f.required("provider", r.name)
        let query = f.required("query", r.nonEmptyString)
        guard let name, let provider, let query else { return nil }
        var m = MetricSpec(name: name, provider: provider, query: query)
        let count = { (node: Node, path: FieldPath) in r.int(node, path, in: 0...10_000) }
        m.strategy = f.optional("strategy") { r.choice($0, $1, AnalysisStrategy.self) } ?? m.strategy
        m.interval = f.optional("interval", r.positiveDuration) ?? m.interval
        m.initialDelay = f.optional("initialDelay", r.duration) ?? m.initialDelay
        if let expected = f.optional("expected", { r.mapping($0, $1, known: ConfigSchema.expected) }) {
            m.expectedMin = expected.optional("min") { r.double($0, $1) }
            m.expectedMax = expected.optional("max") { r.double($0, $1) }
            if let low = m.expectedMin, let high = m.expectedMax, low > high {
                r.error("min (\(low)) is greater than max (\(high))", at: expected.node, expected.path)
            }
        }
        if m.strategy == .threshold, m.expectedMin == nil, m.expectedMax == nil {
            r.error("a threshold metric needs expected.min or expected.max", at: node, path.key("expected"))
        } else if m.strategy != .threshold, f.has("expected") {
            r.error("expected bounds only apply to strategy threshold; this metric is \(m.strategy.rawValue)",
                    at: f.node("expected"), path.key("expected"))
        }
        m.failureLimit = f.optional("failureLimit", count) ?? m.failureLimit
        m.inconclusiveLimit = f.optional("inconclusiveLimit", count) ?? m.inconclusiveLimit
        m.consecutiveErrorLimit = f.optional("consecutiveErrorLimit", count) ?? m.consecutiveErrorLimit
        m.minSamples = f.optional("minSamples") { r.int($0, $1, in: 1...10_000) } ?? m.minSamples
        m.onMissingData = f.optional("onMissingData") { r.choice($0, $1, MissingDataPolicy.self) } ?? m.onMissingData
        m.direction = f.optional("direction") { r.choice($0, $1, MetricDirection.self) } ?? m.direction
        m.confidence = f.optional("confidence") { r.double($0, $1, in: 0.5...0.9999) } ?? m.confidence
        m.tolerance = f.optional("tolerance") { r.double($0, $1, in: 0...100) } ?? m.tolerance
        m.effectSize = f.optional("effectSize") { decodeEffectSize($0, $1, r) } ?? m.effectSize
        m.critical = f.optional("critical", r.bool) ?? m.critical
        m.nanStrategy = f.optional("nanStrategy") { r.choice($0, $1, NaNStrategy.self) } ?? m.nanStrategy
        m.group = f.optional("group", r.nonEmptyString)
        m.weight = f.optional("weight") { r.double($0, $1, in: 0...1_000_000) } ?? m.weight
        m.jsonPath = f.optional("jsonPath", r.nonEmptyString)
        m.args = f.optional("args", r.stringMap) ?? m.args
        return m
    }

    private static func decodeEffectSize(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> EffectSize? {
        guard let f = r.mapping(node, path, known: ConfigSchema.effectSize) else { return nil }
        var e = EffectSize()
        let ratio = { (node: Node, path: FieldPath) in r.double(node, path, in: 0...1_000_000) }
        e.measure = f.optional("measure") { r.choice($0, $1, EffectSizeMeasure.self) } ?? e.measure
        e.allowedIncrease = f.optional("allowedIncrease", ratio) ?? e.allowedIncrease
        e.allowedDecrease = f.optional("allowedDecrease", ratio) ?? e.allowedDecrease
        e.criticalIncrease = f.optional("criticalIncrease", ratio) ?? e.criticalIncrease
        e.criticalDecrease = f.optional("criticalDecrease", ratio) ?? e.criticalDecrease
        return e
    }
}
