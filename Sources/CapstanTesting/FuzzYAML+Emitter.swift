import Foundation

extension FuzzYAML {
    /// Writes generated values as YAML text: block style mostly, flow style for some collections, scalars
    /// plain, single- or double-quoted (the quoting is right, so the YAML is valid unless a mutation breaks it).
    enum Emitter {
        static func block(_ value: Value, indent: Int, into text: inout String, _ rng: inout SplitMix64) {
            let pad = String(repeating: " ", count: indent)
            switch value {
            case .map(let pairs) where !pairs.isEmpty && !rng.chance(10):
                for (key, item) in pairs {
                    text += pad + scalar(key, &rng) + ":"
                    entry(item, indent: indent, into: &text, &rng)
                }
            case .list(let items) where !items.isEmpty && !rng.chance(10):
                for item in items {
                    text += pad + "-"
                    entry(item, indent: indent, into: &text, &rng)
                }
            default:
                text += pad + flow(value, &rng) + "\n"
            }
        }

        /// What follows `key:` or `-`: a scalar on the same line, or a collection on the lines below.
        private static func entry(_ value: Value, indent: Int, into text: inout String, _ rng: inout SplitMix64) {
            if value.isCollection {
                text += "\n"
                return block(value, indent: indent + 2, into: &text, &rng)
            }
            switch value {
            case .anchored(let name, let inner) where inner.isCollection:
                text += " &\(name)\n"
                block(inner, indent: indent + 2, into: &text, &rng)
            case .tagged(let tag, let inner) where inner.isCollection:
                text += " \(tag)\n"
                block(inner, indent: indent + 2, into: &text, &rng)
            default:
                text += " " + flow(value, &rng) + "\n"
            }
        }

        /// The value on one line.
        static func flow(_ value: Value, _ rng: inout SplitMix64) -> String {
            switch value {
            case .scalar(let text): scalar(text, &rng)
            case .list(let items): "[" + items.map { flow($0, &rng) }.joined(separator: ", ") + "]"
            case .map(let pairs): "{" + pairs.map { scalar($0.0, &rng) + ": " + flow($0.1, &rng) }.joined(separator: ", ") + "}"
            case .anchored(let name, let inner): "&\(name) " + flow(inner, &rng)
            case .alias(let name): "*\(name)"
            case .tagged(let tag, let inner): "\(tag) " + flow(inner, &rng)
            }
        }

        /// A scalar, quoted when it has to be (and sometimes when it does not).
        static func scalar(_ text: String, _ rng: inout SplitMix64) -> String {
            let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { safe.contains($0) }
                && !text.hasPrefix(" ") && !text.hasSuffix(" ") && !text.hasPrefix("-") && !text.hasPrefix("*")
            if plain, !rng.chance(10) { return text }
            if rng.chance(30), !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
                return "'" + text.replacingOccurrences(of: "'", with: "''") + "'"
            }
            var quoted = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": quoted += "\\\""
                case "\\": quoted += "\\\\"
                case "\u{0}": quoted += "\\0"
                case "\n": quoted += "\\n"
                case "\t": quoted += "\\t"
                case _ where scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value):
                    let hex = String(scalar.value, radix: 16)
                    quoted += "\\x" + (hex.count < 2 ? "0" : "") + hex
                case "\u{FEFF}", "\u{2028}", "\u{2029}": quoted += "\\u" + String(scalar.value, radix: 16)
                default: quoted.unicodeScalars.append(scalar)
                }
            }
            return quoted + "\""
        }

        private static let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./ ".unicodeScalars)
    }
}

extension FuzzYAML.Value {
    var isCollection: Bool {
        switch self {
        case .map(let pairs): !pairs.isEmpty
        case .list(let items): !items.isEmpty
        default: false
        }
    }
}
