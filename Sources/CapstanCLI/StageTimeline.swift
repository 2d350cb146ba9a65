import CapstanCore
import CapstanServer
import Foundation

/// A deployment's stages as a timeline for people: what each did (traffic weights, replicas), when it
/// started, how long it took or has been running, and why it failed.
enum StageTimeline {
    /// One row per stage, in index order.
    static func lines(_ stages: [StageView], now: Date) -> [String] {
        OutputRenderer.table(["#", "STAGE", "STATE", "STARTED", "TOOK", "DETAILS"], stages.map { stage in
            [String(stage.index), stage.kind.rawValue, stage.state.rawValue,
             stage.startedAt.map { ClockText.time($0.date) } ?? "-", took(stage, now: now), details(stage)]
        })
    }

    /// Each ANALYSIS stage that measured something: its result and score, then one row per metric with its
    /// latest verdict (samples, the shift's estimate and interval, the p-value).
    static func analysisLines(_ stages: [StageView]) -> [String] {
        stages.flatMap { stage -> [String] in
            guard let analysis = stage.analysis else { return [] }
            let head = "Analysis (stage \(stage.index)): " + (analysis.result.map { result in
                "\(result), score \(analysis.score.map { String(format: "%g", $0) } ?? "-")"
                    + (analysis.reason.map { " — \($0)" } ?? "")
            } ?? "running")
            let rows = analysis.metrics.map { metric in
                ["  " + metric.name, metric.classification, "\(metric.experimentSamples)+\(metric.controlSamples)",
                 metric.estimate.map { String(format: "%+.4g", $0) } ?? "-",
                 metric.lower.flatMap { lower in metric.upper.map { String(format: "[%+.4g, %+.4g]", lower, $0) } } ?? "-",
                 metric.pValue.map { String(format: "%.3g", $0) } ?? "-", metric.reason]
            }
            return [head] + OutputRenderer.table(["  METRIC", "VERDICT", "SAMPLES", "SHIFT", "INTERVAL", "P", "WHY"], rows)
        }
    }

    /// `4.0s` for a stage that ran, `running for 2m05s` for one that runs, `-` for one that never started.
    static func took(_ stage: StageView, now: Date) -> String {
        guard let started = stage.startedAt?.date else { return "-" }
        if let finished = stage.finishedAt?.date { return ClockText.elapsed(finished.timeIntervalSince(started)) }
        guard stage.state == .running else { return "-" }
        return "running for " + ClockText.elapsed(now.timeIntervalSince(started))
    }

    /// What the stage does, then attempts when it took more than one, then the reason it failed or stopped.
    static func details(_ stage: StageView) -> String {
        var parts: [String] = []
        if let settings = settings(stage.kind, stage.options) { parts.append(settings) }
        if stage.attempts > 1 { parts.append("\(stage.attempts) attempts") }
        if stage.state == .failure || stage.state == .cancelled, let reason = stage.reason { parts.append(reason) }
        return parts.joined(separator: "; ")
    }

    /// The options people look for, by kind: `primary 90% canary 10%`, `replicas 2`, `wait 5m`.
    static func settings(_ kind: StageKind, _ options: JSONValue) -> String? {
        switch kind {
        case .trafficRouting:
            let weights = ["primary", "canary", "baseline"].compactMap { variant in
                options[variant]?.intValue.flatMap { $0 > 0 ? "\(variant) \($0)%" : nil }
            }
            return weights.isEmpty ? nil : weights.joined(separator: " ")
        case .canaryRollout, .baselineRollout:
            return options["replicas"].map { "replicas " + ($0.stringValue ?? $0.description) }
        case .wait:
            return options["duration"]?.stringValue.map { "wait \($0)" }
        case .analysis:
            guard let duration = options["duration"]?.stringValue else { return nil }
            guard case .array(let metrics)? = options["metrics"], !metrics.isEmpty else { return "for \(duration)" }
            return "for \(duration): " + metrics.compactMap(\.stringValue).joined(separator: ", ")
        default:
            return nil
        }
    }
}

/// Times and durations as the CLI prints them for people (UTC, like every other time it prints).
enum ClockText {
    /// `12:00:31` (or `12:00:31.250` with milliseconds) in UTC.
    static func time(_ date: Date, milliseconds: Bool = false) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let dayMillis = Int(((micros / 1000) % 86_400_000 + 86_400_000) % 86_400_000)
        let (hours, minutes, seconds) = (dayMillis / 3_600_000, dayMillis / 60_000 % 60, dayMillis / 1000 % 60)
        let base = String(format: "%02d:%02d:%02d", hours, minutes, seconds)
        return milliseconds ? base + String(format: ".%03d", dayMillis % 1000) : base
    }

    /// `0.4s`, `12.0s`, `2m05s`, `1h02m`, `3d04h`: precise when short, rounded down when long.
    static func elapsed(_ seconds: Double) -> String {
        let seconds = max(0, seconds)
        if seconds < 60 { return String(format: "%.1fs", (seconds * 10).rounded(.down) / 10) }
        let whole = Int(seconds)
        if whole < 3600 { return String(format: "%dm%02ds", whole / 60, whole % 60) }
        if whole < 86_400 { return String(format: "%dh%02dm", whole / 3600, whole / 60 % 60) }
        return String(format: "%dd%02dh", whole / 86_400, whole / 3600 % 24)
    }
}
