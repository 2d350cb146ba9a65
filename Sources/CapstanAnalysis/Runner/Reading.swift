import CapstanCore
import Foundation

/// One round of measurements of a metric: the experiment's value(s) and the control's, per its strategy.
struct Reading: Sendable {
    var experiment: [Double] = []
    var control: [Double] = []
    /// (variant, value or nil, note) for each value read, to report.
    var reports: [(String, Double?, String?)] = []
    var noDataReasons: [String] = []

    /// True when every side the strategy needs has a value.
    var hasData: Bool { noDataReasons.isEmpty && !experiment.isEmpty }
    var noDataReason: String { noDataReasons.joined(separator: "; ") }

    static func take(_ spec: MetricSpec, provider: any MetricProvider, target: AnalysisTarget, started: Date,
                     now: Date) async throws -> Reading {
        var reading = Reading()
        switch spec.strategy {
        case .threshold:
            try await reading.instant(spec, provider, target, variant: "canary", commit: target.commit, at: now, experiment: true)
        case .canaryBaseline, .canaryPrimary:
            let control = spec.strategy == .canaryBaseline ? "baseline" : "primary"
            try await reading.instant(spec, provider, target, variant: "canary", commit: target.commit, at: now, experiment: true)
            try await reading.instant(spec, provider, target, variant: control, commit: target.previousCommit ?? target.commit,
                                      at: now, experiment: false)
        case .previous:
            guard let before = target.previousWindowStart else { return reading }
            let elapsed = now.timeIntervalSince(started)
            let step = spec.interval
            let query = try render(spec, target, variant: "primary", commit: target.commit)
            let previousQuery = try render(spec, target, variant: "primary", commit: target.previousCommit ?? target.commit)
            reading.experiment = try await provider.measureRange(query, from: started, to: now, step: step).filter(\.isFinite)
            reading.control = try await provider.measureRange(
                previousQuery, from: before, to: before.addingTimeInterval(elapsed), step: step).filter(\.isFinite)
            reading.reports = [("primary", reading.experiment.last, "\(reading.experiment.count) sample(s) this deployment"),
                               ("previous", reading.control.last, "\(reading.control.count) sample(s) of the last successful one")]
            if reading.experiment.isEmpty { reading.noDataReasons.append("this deployment's window has no data") }
            if reading.control.isEmpty { reading.noDataReasons.append("the previous deployment's window has no data") }
        }
        return reading
    }

    private mutating func instant(_ spec: MetricSpec, _ provider: any MetricProvider, _ target: AnalysisTarget,
                                  variant: String, commit: CommitID, at time: Date, experiment: Bool) async throws {
        let query = try Self.render(spec, target, variant: variant, commit: commit)
        switch try await provider.measure(query, jsonPath: spec.jsonPath, at: time) {
        case .value(let value):
            if experiment { self.experiment.append(value) } else { control.append(value) }
            reports.append((variant, value, nil))
        case .noData(let why):
            noDataReasons.append("\(variant): \(why)")
            reports.append((variant, nil, why))
        }
    }

    static func render(_ spec: MetricSpec, _ target: AnalysisTarget, variant: String, commit: CommitID) throws -> String {
        var values = spec.args
        values.merge(["app": target.app, "deployment": target.deployment, "variant": variant, "commit": commit.hex]) { _, ours in ours }
        return try QueryTemplate(spec.query).render(values)
    }
}
