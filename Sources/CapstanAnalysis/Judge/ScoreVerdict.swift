/// One metric's result, as the score sees it.
public struct ScoredMetric: Sendable, Hashable, Codable {
    /// The metric's name, for the reason.
    public var name: String
    /// Metrics of one group share its weight; a metric without a group is a group of its own.
    public var group: String?
    /// The metric's weight in the score, ≥ 0.
    public var weight: Double
    /// The metric's classification: a comparison's, a threshold's, or Nodata from the missing-data policy.
    public var classification: ComparisonVerdict.Classification
    /// Whether the result fails the analysis outright: pass the verdict's ``ComparisonVerdict/critical``,
    /// not the metric's `critical` setting (a critical metric that is High below its critical limit only
    /// lowers the score).
    public var critical: Bool

    /// One metric's result.
    public init(name: String, group: String?, weight: Double, classification: ComparisonVerdict.Classification, critical: Bool) {
        self.name = name
        self.group = group
        self.weight = weight
        self.classification = classification
        self.critical = critical
    }
}

/// The score of an analysis and what it means.
public struct ScoreVerdict: Sendable, Hashable, Codable {
    /// Pass, marginal (which fails the stage too) or fail.
    public enum Result: String, Sendable, Hashable, Codable, CaseIterable {
        case pass, marginal, fail
    }

    /// 0...100, rounded to two decimals.
    public var score: Double
    /// What the score means for the stage.
    public var result: Result
    /// Why, naming the failing metrics.
    public var reason: String
    /// How each group scored, in the order the groups first appear.
    public var groups: [GroupScore]

    /// A score verdict.
    public init(score: Double, result: Result, reason: String, groups: [GroupScore]) {
        self.score = score
        self.result = result
        self.reason = reason
        self.groups = groups
    }
}

/// One group's part of the score.
public struct GroupScore: Sendable, Hashable, Codable {
    /// The group's name, or the metric's for a metric without a group.
    public var name: String
    /// The names of its metrics, in order.
    public var metrics: [String]
    /// The total weight of the group's metrics.
    public var weight: Double
    /// The weighted share of its judged metrics that passed, 0...100; nil when none was judged (all Nodata).
    public var score: Double?

    /// A group's score.
    public init(name: String, metrics: [String], weight: Double, score: Double?) {
        self.name = name
        self.metrics = metrics
        self.weight = weight
        self.score = score
    }
}
