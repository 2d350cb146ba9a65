/// Reads and writes durations as people write them in config: `500ms`, `30s`, `5m`, `1h`, `1h30m`.
public enum DurationText {
    /// Matched in this order so that `ms` wins over `m`; `rank` is the order units must appear in.
    private static let units: [(suffix: String, rank: Int, nanoseconds: Int64)] = [
        ("ms", 3, 1_000_000), ("h", 0, 3_600_000_000_000), ("m", 1, 60_000_000_000), ("s", 2, 1_000_000_000),
    ]

    /// Parses one or more `<integer><unit>` parts (units h, m, s, ms; each at most once, largest first).
    public static func parse(_ text: String) -> Duration? {
        var rest = Substring(text)
        var total: Int64 = 0
        var lastRank = -1
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let value = Int64(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = units.first(where: { rest.hasPrefix($0.suffix) }), unit.rank > lastRank else { return nil }
            lastRank = unit.rank
            rest = rest.dropFirst(unit.suffix.count)
            let (part, overflow) = value.multipliedReportingOverflow(by: unit.nanoseconds)
            let (sum, overflow2) = total.addingReportingOverflow(part)
            guard !overflow, !overflow2 else { return nil }
            total = sum
        }
        return .nanoseconds(total)
    }

    /// The shortest text that parses back to the same duration, to the millisecond (`1h30m`, `500ms`, `0s`).
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        var millis = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        guard millis > 0 else { return "0s" }
        var out = ""
        for (suffix, size) in [("h", Int64(3_600_000)), ("m", 60_000), ("s", 1000), ("ms", 1)] where millis >= size {
            out += "\(millis / size)\(suffix)"
            millis %= size
        }
        return out
    }
}
