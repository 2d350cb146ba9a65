import Foundation

/// The results of one run: a table for people, JSON for CI.
struct Report: Codable {
    struct Machine: Codable {
        let cores: Int
        let memoryGB: Double
        let os: String
        let date: String

        enum CodingKeys: String, CodingKey {
            case cores, memoryGB = "memory_gb", os, date
        }

        static func current() -> Machine {
            let info = ProcessInfo.processInfo
            return Machine(
                cores: info.activeProcessorCount,
                memoryGB: (Double(info.physicalMemory) / 1_073_741_824 * 10).rounded() / 10,
                os: info.operatingSystemVersionString,
                date: ISO8601DateFormatter().string(from: Date()))
        }
    }

    struct Scenario: Codable {
        let name: String
        let ours: Timing
        let baseline: Timing
        /// baseline median / our median: how many times faster we are; for a scenario that measures
        /// throughput itself (a load generator), our requests per second over the baseline's.
        let ratio: Double
        let goal: String
        /// Items per second at the medians, for scenarios whose op moves many items; absent otherwise.
        let throughput: Throughput?
        /// Other figures the scenario measured (bytes exchanged, peak RSS), by name; absent when none.
        let notes: [String: Double]?

        init(name: String, ours: Timing, baseline: Timing, goal: String, items: (count: Int, unit: String)? = nil,
             measured: Throughput? = nil, notes: [String: Double] = [:]) {
            self.name = name
            self.notes = notes.isEmpty ? nil : notes
            self.ours = ours
            self.baseline = baseline
            self.goal = goal
            self.throughput = measured ?? items.map { Throughput(count: $0.count, unit: $0.unit, ours: ours, baseline: baseline) }
            if let measured, measured.baselinePerSecond > 0 {
                self.ratio = (measured.oursPerSecond / measured.baselinePerSecond * 100).rounded() / 100
            } else {
                self.ratio = ours.medianMs > 0 ? (baseline.medianMs / ours.medianMs * 100).rounded() / 100 : 0
            }
        }
    }

    struct Throughput: Codable {
        let unit: String
        let oursPerSecond: Double
        let baselinePerSecond: Double

        enum CodingKeys: String, CodingKey {
            case unit, oursPerSecond = "ours_per_second", baselinePerSecond = "baseline_per_second"
        }

        /// Rates a load generator counted.
        init(unit: String, oursPerSecond: Double, baselinePerSecond: Double) {
            self.unit = unit
            self.oursPerSecond = oursPerSecond.rounded()
            self.baselinePerSecond = baselinePerSecond.rounded()
        }

        init(count: Int, unit: String, ours: Timing, baseline: Timing) {
            func perSecond(_ timing: Timing) -> Double { timing.medianMs > 0 ? (Double(count) / timing.medianMs * 1000).rounded() : 0 }
            self.unit = unit
            self.oursPerSecond = perSecond(ours)
            self.baselinePerSecond = perSecond(baseline)
        }
    }

    let machine: Machine
    let scenarios: [Scenario]

    /// `scenario | ours | baseline | ratio`, times as median (p99) in milliseconds.
    func table() -> String {
        let rows = [["scenario", "ours ms median (p99)", "baseline ms median (p99)", "ratio", "goal", "ours / baseline per s"]]
            + scenarios.map {
                [$0.name, Self.format($0.ours), Self.format($0.baseline), String(format: "%.2fx", $0.ratio), $0.goal,
                 $0.throughput.map(Self.format) ?? ""]
            }
        let widths = (0..<rows[0].count).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            zip(row, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: " | ")
        }.joined(separator: "\n")
    }

    func write(to file: URL) throws {
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(self).write(to: file)
    }

    private static func format(_ throughput: Throughput) -> String {
        String(format: "%.0f / %.0f ", throughput.oursPerSecond, throughput.baselinePerSecond) + throughput.unit
    }

    private static func format(_ timing: Timing) -> String {
        String(format: "%.3f (%.3f)", timing.medianMs, timing.p99Ms)
    }
}
