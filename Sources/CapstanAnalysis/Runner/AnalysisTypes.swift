public import CapstanCore
public import Foundation

/// Who an ANALYSIS stage looks at: filled into every query as `{{app}}`, `{{deployment}}`,
/// `{{variant}}` and `{{commit}}` (the variant's commit).
public struct AnalysisTarget: Sendable, Hashable {
    public var app: String
    public var deployment: String
    /// The commit under test (the canary's).
    public var commit: CommitID
    /// What is live (primary's and the baseline's commit); nil for a first deployment.
    public var previousCommit: CommitID?
    /// For `previous`: when the same ANALYSIS stage started in the app's last successful deployment;
    /// nil when there is none (the metric then passes with a note).
    public var previousWindowStart: Date?

    public init(app: String, deployment: String, commit: CommitID, previousCommit: CommitID?, previousWindowStart: Date?) {
        self.app = app
        self.deployment = deployment
        self.commit = commit
        self.previousCommit = previousCommit
        self.previousWindowStart = previousWindowStart
    }
}

/// What an analysis reports while it runs; the engine stores each as an event.
public enum AnalysisEvent: Sendable, Hashable {
    /// One value read (nil with a note when there was no data or the provider failed).
    case measured(metric: String, variant: String, value: Double?, note: String?)
    /// A metric's verdict after a measurement.
    case judged(metric: String, verdict: MetricVerdict)
    /// Something people should know (a pause, a policy applied).
    case note(String)
}

/// One metric's standing: how it is classified now, on how many samples, and why.
public struct MetricVerdict: Sendable, Hashable, Codable {
    public var classification: ComparisonVerdict.Classification
    /// A critical metric that failed fails the whole analysis at once.
    public var critical: Bool
    /// Samples of the experiment (canary, this deployment) and of the control so far.
    public var experimentSamples: Int
    public var controlSamples: Int
    /// Measurements that failed so far (counted against `failureLimit`).
    public var failures: Int
    /// For comparisons: the Mann–Whitney result.
    public var comparison: ComparisonVerdict?
    public var reason: String

    public init(classification: ComparisonVerdict.Classification, critical: Bool, experimentSamples: Int, controlSamples: Int,
                failures: Int, comparison: ComparisonVerdict?, reason: String) {
        self.classification = classification
        self.critical = critical
        self.experimentSamples = experimentSamples
        self.controlSamples = controlSamples
        self.failures = failures
        self.comparison = comparison
        self.reason = reason
    }

    /// Whether it counts as passing in the score.
    public var passes: Bool { classification == .pass }
}

/// How an analysis ended.
public struct AnalysisOutcome: Sendable, Hashable {
    public var passed: Bool
    /// 0...100; 0 after a critical failure or a metric past its failure limit.
    public var score: Double
    /// `pass`, `marginal` or `fail`.
    public var result: String
    public var reason: String
    public var metrics: [String: MetricVerdict]
}
