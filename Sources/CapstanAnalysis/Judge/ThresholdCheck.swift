/// The `threshold` strategy: each sample must lie within `expected {min, max}`, and a metric fails once
/// more samples than its `failureLimit` did not.
public enum ThresholdCheck {
    /// Where one sample lies.
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        case within
        case below
        case above
        /// NaN: no data is never a number, so it neither passes nor fails a bound.
        case noData
    }

    /// Where `value` lies against the bounds, both inclusive; a missing bound does not limit.
    public static func check(_ value: Double, min: Double?, max: Double?) -> Outcome {
        if value.isNaN { return .noData }
        if let min, value < min { return .below }
        if let max, value > max { return .above }
        return .within
    }

    /// The verdict on the samples measured so far: High or Low once more than `failureLimit` of them lie
    /// outside the bounds (High when most of those lie above), Nodata when none of them is a number.
    ///
    /// A threshold metric has no p-value, estimate or interval; those stay nil. `critical` makes a failure
    /// (or no data at all) fail the whole analysis, as for the comparison strategies.
    public static func judge(
        _ values: [Double], min: Double?, max: Double?, failureLimit: Int, critical: Bool = false
    ) -> ComparisonVerdict {
        let outcomes = values.map { check($0, min: min, max: max) }
        let above = outcomes.count { $0 == .above }
        let below = outcomes.count { $0 == .below }
        let measured = outcomes.count { $0 != .noData }
        let bounds = boundsText(min: min, max: max)
        guard measured > 0 else {
            return ComparisonVerdict(classification: .noData, critical: critical,
                                     reason: values.isEmpty ? "no samples" : "no sample was a number")
        }
        let failures = above + below
        let tally = "\(failures) of \(measured) samples outside \(bounds) (\(above) above, \(below) below)"
        guard failures > failureLimit else {
            let reason = failures == 0 ? "all \(measured) samples within \(bounds)" : "\(tally), within failureLimit \(failureLimit)"
            return ComparisonVerdict(classification: .pass, critical: false, reason: reason)
        }
        return ComparisonVerdict(classification: above >= below ? .high : .low, critical: critical,
                                 reason: "\(tally), more than failureLimit \(failureLimit)")
    }

    private static func boundsText(min: Double?, max: Double?) -> String {
        "[\(min.map(JudgeText.number) ?? "-∞"), \(max.map(JudgeText.number) ?? "∞")]"
    }
}
