/// Byte-level mutations of valid seed documents, as AFL and libFuzzer make them, plus the ones that matter for
/// text formats: NUL bytes, invalid UTF-8, huge numbers, deep nesting, alias bombs and syntax tokens.
public enum FuzzMutator {
    /// Snippets worth inserting into YAML or JSON: syntax that changes a value's type or the document's shape.
    public static let tokens: [String] = [
        ": ", "- ", "\n", "\n  ", "\t", "#", "&a ", "*a", "<<: *a\n", "!!binary ", "!!int ", "!x ", "? ", "|\n", ">-\n",
        "{", "}", "[", "]", ",", "\"", "'", "\\", "\\u0000", "\\ud800", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! x\n",
        "null", "true", "[]", "{}", "1e999", "-0", "99999999999999999999999999", "NaN", "\u{FEFF}", "\u{2028}",
        "\r\n", "\r", "é", "🚀", "../", "/etc/passwd", "{\"a\":", "\"ref\": ", "\"repository\": ",
    ]

    /// Bytes that are not UTF-8 (a lone continuation, an overlong `/`, a surrogate, 0xFF, a truncated sequence).
    public static let invalidUTF8: [[UInt8]] = [
        [0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xFF], [0xE2, 0x82], [0xF4, 0x90, 0x80, 0x80], [0xC3, 0x28],
    ]

    /// `seed` changed by `1...rounds` random mutations; `others` are spliced from.
    public static func mutate(_ seed: [UInt8], others: [[UInt8]] = [], rounds: Int = 4, using rng: inout SplitMix64)
        -> [UInt8] {
        var bytes = seed
        for _ in 0..<rng.within(1...max(1, rounds)) {
            mutateOnce(&bytes, others: others, &rng)
        }
        return bytes
    }

    static func mutateOnce(_ bytes: inout [UInt8], others: [[UInt8]], _ rng: inout SplitMix64) {
        let at = rng.below(bytes.count + 1)
        switch rng.below(14) {
        case 0 where !bytes.isEmpty:  // flip one bit
            let index = min(at, bytes.count - 1)
            bytes[index] ^= 1 << UInt8(rng.below(8))
        case 1 where !bytes.isEmpty:  // set a byte to anything
            bytes[min(at, bytes.count - 1)] = UInt8(rng.below(256))
        case 2:  // delete a run
            let count = min(rng.within(1...16), bytes.count - at)
            bytes.removeSubrange(at..<(at + count))
        case 3:  // duplicate a run, sometimes many times (a long key, a repeated line)
            let count = min(rng.within(1...64), bytes.count - at)
            let run = Array(bytes[at..<(at + count)])
            let times = rng.chance(10) ? rng.within(2...2000) : rng.within(1...3)
            bytes.insert(contentsOf: Array([[UInt8]](repeating: run, count: times).joined()), at: at)
        case 4:  // truncate
            bytes.removeSubrange(at...)
        case 5:  // NUL bytes
            bytes.insert(contentsOf: [UInt8](repeating: 0, count: rng.within(1...3)), at: at)
        case 6:  // invalid UTF-8
            bytes.insert(contentsOf: rng.pick(invalidUTF8), at: at)
        case 7:  // deep nesting
            let depth = rng.pick([50, 200, 1_100, 5_000])
            let open: UInt8 = rng.chance(50) ? UInt8(ascii: "[") : UInt8(ascii: "{")
            bytes.insert(contentsOf: [UInt8](repeating: open, count: depth), at: at)
        case 8:  // an alias bomb in front of the document
            let bomb = FuzzYAML.aliasBomb(levels: rng.within(3...9), width: rng.within(2...10), key: "bomb")
            bytes.insert(contentsOf: Array(bomb.utf8), at: 0)
        case 9:  // a huge number
            let digits = String(repeating: "9", count: rng.pick([20, 400, 10_000]))
            bytes.insert(contentsOf: Array(digits.utf8), at: at)
        case 10 where !others.isEmpty:  // splice in part of another document
            let other = rng.pick(others)
            let from = rng.below(other.count + 1)
            let count = min(rng.within(1...200), other.count - from)
            bytes.insert(contentsOf: other[from..<(from + count)], at: at)
        case 11:  // swap two runs (moves a value under another key)
            guard bytes.count > 8 else { return }
            let a = rng.below(bytes.count / 2), b = bytes.count / 2 + rng.below(bytes.count / 2)
            let length = min(rng.within(1...32), bytes.count / 2 - a, bytes.count - b)
            guard length > 0 else { return }
            for offset in 0..<length { bytes.swapAt(a + offset, b + offset) }
        default:  // a syntax token
            bytes.insert(contentsOf: Array(rng.pick(tokens).utf8), at: at)
        }
    }
}
