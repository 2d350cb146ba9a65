/// What the judge concluded about one metric: the classification Kayenta would give it, whether it fails
/// the analysis outright, and the numbers behind it.
///
/// In JSON every field is always present; a number that does not exist for this verdict (no samples, an
/// undefined mean ratio, a threshold metric's p-value) is `null` rather than left out or faked as 0.
public struct ComparisonVerdict: Sendable, Hashable, Codable {
    /// Kayenta's metric classifications.
    public enum Classification: String, Sendable, Hashable, Codable, CaseIterable {
        /// No significant change in a direction that counts.
        case pass = "Pass"
        /// The experiment (canary) is significantly higher than the control.
        case high = "High"
        /// The experiment is significantly lower than the control.
        case low = "Low"
        /// One side had no samples to compare.
        case noData = "Nodata"
        /// The comparison could not be made (invalid options, infinite samples).
        case error = "Error"
    }

    /// What the comparison concluded.
    public var classification: Classification
    /// Whether this result fails the whole analysis, whatever the score: a critical metric that failed
    /// beyond its critical effect size, or had no data or an error.
    public var critical: Bool
    /// The two-sided Mann–Whitney p-value.
    public var pValue: Double?
    /// The Hodges–Lehmann estimate of the shift, experiment − control, in the metric's unit.
    public var estimate: Double?
    /// The confidence interval of the shift.
    public var lower: Double?
    /// The upper end of the interval; the reason shows whether either end is open.
    public var upper: Double?
    /// The effect size in the metric's measure (mean ratio or CLES); `nil` where it is undefined.
    public var effectSize: Double?
    /// A sentence a person can act on.
    public var reason: String

    /// A verdict; the numbers default to nil, for verdicts that have none.
    public init(
        classification: Classification, critical: Bool, pValue: Double? = nil, estimate: Double? = nil,
        lower: Double? = nil, upper: Double? = nil, effectSize: Double? = nil, reason: String
    ) {
        self.classification = classification
        self.critical = critical
        self.pValue = pValue
        self.estimate = estimate
        self.lower = lower
        self.upper = upper
        self.effectSize = effectSize
        self.reason = reason
    }

    private enum CodingKeys: String, CodingKey {
        case classification, critical, pValue, estimate, lower, upper, effectSize, reason
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(classification, forKey: .classification)
        try container.encode(critical, forKey: .critical)
        // `encode` of an Optional writes null, where the synthesized `encodeIfPresent` would drop the key.
        try container.encode(pValue, forKey: .pValue)
        try container.encode(estimate, forKey: .estimate)
        try container.encode(lower, forKey: .lower)
        try container.encode(upper, forKey: .upper)
        try container.encode(effectSize, forKey: .effectSize)
        try container.encode(reason, forKey: .reason)
    }
}
