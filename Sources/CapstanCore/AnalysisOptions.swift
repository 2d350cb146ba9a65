/// Options of an ANALYSIS stage: which metrics to watch, for how long, and how to score them.
public struct AnalysisOptions: Sendable, Hashable {
    public var duration: Duration
    public var metrics: [MetricSpec]
    /// Score (0...100) at or above which the analysis passes.
    public var passScore: Double
    /// Score at or above which (but below `passScore`) the result is marginal, which fails the stage.
    public var marginalScore: Double

    public init(duration: Duration, metrics: [MetricSpec], passScore: Double = 95, marginalScore: Double = 75) {
        self.duration = duration
        self.metrics = metrics
        self.passScore = passScore
        self.marginalScore = marginalScore
    }
}

/// How a metric is judged.
public enum AnalysisStrategy: String, Sendable, Hashable, CaseIterable {
    case threshold
    case previous
    case canaryBaseline = "canary-baseline"
    case canaryPrimary = "canary-primary"
}

/// Which direction of change counts as a regression.
public enum MetricDirection: String, Sendable, Hashable, CaseIterable {
    case increase, decrease, either
}

/// What the analysis does when a metric has no data or its provider is down.
public enum MissingDataPolicy: String, Sendable, Hashable, CaseIterable {
    case fail, pause, pass
}

/// What to do with NaN samples.
public enum NaNStrategy: String, Sendable, Hashable, CaseIterable {
    case remove, replace
}

/// How the size of a shift is measured for the effect-size limits.
public enum EffectSizeMeasure: String, Sendable, Hashable, CaseIterable {
    case meanRatio, cles
}

/// Effect-size limits: a significant change within them still passes; beyond the critical ones it fails hard.
public struct EffectSize: Sendable, Hashable {
    public var measure: EffectSizeMeasure = .meanRatio
    public var allowedIncrease: Double = 1.0
    public var allowedDecrease: Double = 1.0
    public var criticalIncrease: Double = 1.0
    public var criticalDecrease: Double = 1.0

    public init() {}
}

/// One metric of an analysis.
public struct MetricSpec: Sendable, Hashable {
    public var name: String
    /// An analysis provider named in the server config.
    public var provider: String
    /// The provider's query (PromQL for Prometheus, a URL for HTTP), templated with `{{app}}`, `{{variant}}`, ...
    public var query: String
    public var strategy: AnalysisStrategy = .threshold
    public var interval: Duration = .seconds(60)
    public var initialDelay: Duration = .zero
    /// For `threshold`: each sample must lie within these bounds.
    public var expectedMin: Double?
    public var expectedMax: Double?
    public var failureLimit: Int = 0
    public var inconclusiveLimit: Int = 0
    public var consecutiveErrorLimit: Int = 4
    public var minSamples: Int = 1
    public var onMissingData: MissingDataPolicy = .fail
    public var direction: MetricDirection = .either
    public var confidence: Double = 0.95
    public var tolerance: Double = 0.25
    public var effectSize = EffectSize()
    public var critical = false
    public var nanStrategy: NaNStrategy = .remove
    public var group: String?
    public var weight: Double = 1
    /// For the HTTP provider: where in the JSON answer the value sits.
    public var jsonPath: String?
    /// Custom template arguments.
    public var args: [String: String] = [:]

    public init(name: String, provider: String, query: String) {
        self.name = name
        self.provider = provider
        self.query = query
    }
}
