/// One problem in a config file, located precisely enough for an editor to jump to it.
public struct ConfigDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// The file as the user knows it (relative to where they ran the command, or repository-relative).
    public var file: String
    /// 1-based line and column.
    public var line: Int
    public var column: Int
    /// Where in the document, e.g. `pipeline[2].with.duration`; empty for the document itself.
    public var field: String
    public var message: String

    public init(file: String, line: Int, column: Int, field: String, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    /// `file:line:col: field: message`, the form compilers use so editors and CI annotate it.
    public var description: String {
        "\(file):\(line):\(column): " + (field.isEmpty ? "" : "\(field): ") + message
    }
}

/// A decoded value with the problems found while decoding it. `value` is nil when it could not be built.
public struct Decoded<Value: Sendable>: Sendable {
    public var value: Value?
    public var diagnostics: [ConfigDiagnostic]

    /// The value when there is no problem at all.
    public var validValue: Value? { diagnostics.isEmpty ? value : nil }
}

/// Suggests the closest known word for a typo.
enum Suggestion {
    /// The candidate nearest to `word` by edit distance, if it is close enough to be a likely typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        let lower = word.lowercased()
        if let same = candidates.first(where: { $0.lowercased() == lower }) { return same }
        let scored = candidates.map { ($0, distance(lower, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(1, min(3, best.0.count / 3)) ? best.0 : nil
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + [Int](repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
