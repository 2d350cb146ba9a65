/// The score of an ANALYSIS stage over all its metrics, the way Kayenta's weighted-sum scorer works.
///
/// - Any critical failure scores 0 and fails.
/// - When half of the metrics or more are Nodata, the analysis scores 0 and fails: it saw too little.
/// - Otherwise each group scores the weighted share of its judged metrics (Pass, High, Low, Error) that
///   passed; Nodata metrics are left out, so their weight goes to the rest of their group. The analysis
///   scores the mean of the group scores weighted by each group's total weight; a group with nothing
///   judged is left out. Without any Nodata this is simply the weighted share of passing metrics.
/// - score ≥ `passScore` passes, ≥ `marginalScore` is marginal (which fails the stage), below fails.
public enum AnalysisScore {
    /// The share of Nodata metrics from which the analysis fails (Kayenta's NODATA_THRESHOLD).
    public static let noDataLimit = 0.5

    /// Scores the metrics of one analysis.
    public static func score(_ metrics: [ScoredMetric], passScore: Double, marginalScore: Double) -> ScoreVerdict {
        let groups = groupScores(metrics)
        func fail(_ reason: String) -> ScoreVerdict { ScoreVerdict(score: 0, result: .fail, reason: reason, groups: groups) }

        guard !metrics.isEmpty else { return fail("no metrics to score") }
        if let invalid = metrics.first(where: { !($0.weight >= 0 && $0.weight.isFinite) }) {
            return fail("metric \(invalid.name) has weight \(invalid.weight); weights must be finite and ≥ 0")
        }
        let criticals = metrics.filter { $0.critical && $0.classification != .pass }
        if !criticals.isEmpty {
            let names = criticals.map { "\($0.name) (\($0.classification.rawValue))" }.joined(separator: ", ")
            return fail("critical metric failed: \(names)")
        }
        let noData = metrics.filter { $0.classification == .noData }
        if Double(noData.count) >= noDataLimit * Double(metrics.count) {
            return fail("\(noData.count) of \(metrics.count) metrics had no data (\(JudgeText.percent(noDataLimit)) or more fails)")
        }
        let scored = groups.compactMap { group in group.score.map { (weight: group.weight, score: $0) } }
        let totalWeight = scored.reduce(0) { $0 + $1.weight }
        guard totalWeight > 0 else { return fail("no judged metric carries any weight") }
        let raw = scored.reduce(0) { $0 + $1.weight * $1.score } / totalWeight
        // Two decimals, as Kayenta: 94.999999 from rounding error must not miss a pass score of 95.
        let score = (raw * 100).rounded() / 100

        let failing = metrics.filter { $0.classification != .pass && $0.classification != .noData }
        let judged = metrics.count - noData.count
        var summary = "\(judged - failing.count) of \(judged) judged metrics passed"
        if !failing.isEmpty {
            summary += "; failing: " + failing.map { "\($0.name) (\($0.classification.rawValue))" }.joined(separator: ", ")
        }
        if !noData.isEmpty {
            summary += "; no data: " + noData.map(\.name).joined(separator: ", ")
        }
        let (scoreText, pass, marginal) = (JudgeText.number(score), JudgeText.number(passScore), JudgeText.number(marginalScore))
        if score >= passScore {
            return ScoreVerdict(score: score, result: .pass, reason: "score \(scoreText) ≥ pass \(pass): \(summary)", groups: groups)
        }
        if score >= marginalScore {
            let reason = "score \(scoreText) is marginal (pass \(pass), marginal \(marginal)): \(summary)"
            return ScoreVerdict(score: score, result: .marginal, reason: reason, groups: groups)
        }
        return ScoreVerdict(score: score, result: .fail, reason: "score \(scoreText) < marginal \(marginal): \(summary)", groups: groups)
    }

    /// The groups in order of first appearance, each with its weight and score.
    static func groupScores(_ metrics: [ScoredMetric]) -> [GroupScore] {
        // A metric without a group stands alone, even beside a group that happens to share its name.
        enum Key: Hashable { case group(String), alone(Int) }
        var order: [Key] = []
        var members: [Key: [ScoredMetric]] = [:]
        for (index, metric) in metrics.enumerated() {
            let key = metric.group.map(Key.group) ?? .alone(index)
            if members[key] == nil { order.append(key) }
            members[key, default: []].append(metric)
        }
        return order.map { key in
            let group = members[key] ?? []
            let judged = group.filter { $0.classification != .noData }
            let judgedWeight = judged.reduce(0) { $0 + $1.weight }
            let passedWeight = judged.filter { $0.classification == .pass }.reduce(0) { $0 + $1.weight }
            let name = if case .group(let name) = key { name } else { group[0].name }
            return GroupScore(name: name, metrics: group.map(\.name), weight: group.reduce(0) { $0 + $1.weight },
                              score: judgedWeight > 0 ? 100 * passedWeight / judgedWeight : nil)
        }
    }
}
