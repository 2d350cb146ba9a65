import CapstanCore
import Foundation

/// The output of `capstan plan`, as a table for people or JSON for CI.
struct PlanReport: Encodable {
    struct App: Encodable {
        let name: String
        let path: String
        let reasons: [String]
        let strategy: PlannedStrategy
        let stages: [String]
    }

    let from: CommitID?
    let to: CommitID
    let apps: [App]
    private let total: Int

    init(from: CommitID?, to: CommitID, total: Int, entries: [PlanEntry]) {
        self.from = from
        self.to = to
        self.total = total
        self.apps = entries.map {
            App(name: $0.app.spec.name, path: $0.app.folder.isEmpty ? "." : $0.app.folder, reasons: $0.reasons,
                strategy: $0.strategy, stages: $0.stages.map(\.rawValue))
        }
    }

    enum CodingKeys: String, CodingKey { case from, to, apps }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(from, forKey: .from)  // null, not absent, when planning everything
        try container.encode(to, forKey: .to)
        try container.encode(apps, forKey: .apps)
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    func table() -> [String] {
        let range = from.map { "\($0.short)..\(to.short)" } ?? to.short
        var lines = ["Plan \(range): \(apps.count) of \(total) application(s) touched"]
        guard !apps.isEmpty else { return lines }
        let rows = [["APP", "PATH", "STRATEGY", "STAGES"]]
            + apps.map { [$0.name, $0.path, $0.strategy.rawValue, $0.stages.joined(separator: " → ")] }
        let widths = (0..<3).map { column in rows.map { $0[column].count }.max() ?? 0 }
        lines.append("")
        for (index, row) in rows.enumerated() {
            lines.append((0..<3).map { row[$0].padding(toLength: widths[$0] + 2, withPad: " ", startingAt: 0) }.joined()
                + row[3])
            if index > 0 { lines += apps[index - 1].reasons.map { "    · \($0)" } }
        }
        return lines
    }
}
