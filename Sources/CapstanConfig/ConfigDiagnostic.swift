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
        // Edit distance is at least the difference in length: a word much longer than every candidate is no
        // typo, and measuring a megabyte key against each field took seconds.
        let longest = candidates.map(\.count).max() ?? 0
        guard word.utf8.count <= 4 * longest + 8 else { return nil }
        let lower = word.lowercased()
        if let same = candidates.first(where: { $0.lowercased() == lower }) { return same }
        let scored = candidates.map { ($0, distance(lower, $0.lowercased())) }
        guard let best = scored.min(by: { $0.1 < $1.1 }) else { return nil }
        return best.1 <= max(1, min(3, best.0.count / 3)) ? best.0 : nil
    }

    /// Edit distance over characters where swapping two neighbours counts as one edit (optimal string alignment).
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}

/// A user's value as a message shows it: in quotes, control characters escaped, cut after 60 characters —
/// so a megabyte scalar, or one holding a NUL or an escape sequence, still gives a one-line message.
func quote(_ text: some StringProtocol) -> String {
    let limit = 60
    var shown = ""
    for scalar in text.unicodeScalars.prefix(limit) {
        shown += scalar.value < 0x20 || scalar.value == 0x7F ? scalar.escaped(asASCII: true) : String(scalar)
    }
    let count = text.count
    return "\"" + shown + "\"" + (count > limit ? "… (\(count) characters)" : "")
}
