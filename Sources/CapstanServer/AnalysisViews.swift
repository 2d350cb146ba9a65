import CapstanCore

/// What an ANALYSIS stage found, per metric (its latest verdict) and as a whole (the score), read
/// from the stage's `analysis.verdict` and `analysis.result` events.
public struct AnalysisView: Sendable, Hashable, Codable {
    /// 0–100; null while the analysis runs.
    @Nullable public var score: Double?
    /// `pass`, `marginal` or `fail`; null while the analysis runs.
    @Nullable public var result: String?
    @Nullable public var reason: String?
    /// In the order the metrics were first judged.
    public var metrics: [MetricView]

    /// One metric's latest verdict. Numbers are null where the judge had none (thresholds, too few samples).
    public struct MetricView: Sendable, Hashable, Codable {
        public var name: String
        /// `Pass`, `High`, `Low`, `Nodata` or `Error`.
        public var classification: String
        public var critical: Bool
        public var experimentSamples: Int
        public var controlSamples: Int
        public var failures: Int
        @Nullable public var pValue: Double?
        /// Hodges–Lehmann estimate of the shift (experiment − control) and its confidence interval.
        @Nullable public var estimate: Double?
        @Nullable public var lower: Double?
        @Nullable public var upper: Double?
        @Nullable public var effectSize: Double?
        public var reason: String
    }

    /// The analysis of each ANALYSIS stage that has verdicts or a result, by stage index.
    static func byStage(_ events: [Event]) -> [Int: AnalysisView] {
        var views: [Int: AnalysisView] = [:]
        for event in events {
            guard let index = event.stageIndex, event.kind == .analysisVerdict || event.kind == .analysisResult else { continue }
            var view = views[index] ?? AnalysisView(metrics: [])
            if event.kind == .analysisResult {
                view.score = event.data["score"].flatMap(Double.init)
                view.result = event.data["result"]
                view.reason = event.data["reason"]
            } else if let name = event.data["metric"] {
                let metric = MetricView(event.data, name: name)
                if let at = view.metrics.firstIndex(where: { $0.name == name }) { view.metrics[at] = metric } else { view.metrics.append(metric) }
            }
            views[index] = view
        }
        return views
    }
}

extension AnalysisView.MetricView {
    init(_ data: [String: String], name: String) {
        self.name = name
        classification = data["classification"] ?? "Error"
        critical = data["critical"] == "true"
        experimentSamples = data["experimentSamples"].flatMap(Int.init) ?? 0
        controlSamples = data["controlSamples"].flatMap(Int.init) ?? 0
        failures = data["failures"].flatMap(Int.init) ?? 0
        pValue = data["pValue"].flatMap(Double.init)
        estimate = data["estimate"].flatMap(Double.init)
        lower = data["lower"].flatMap(Double.init)
        upper = data["upper"].flatMap(Double.init)
        effectSize = data["effectSize"].flatMap(Double.init)
        reason = data["reason"] ?? ""
    }
}
