/// What a structure-aware YAML generator knows of one config schema: its objects and their real field names,
/// which fields hold which objects, and words the decoders accept, so that generated documents get past the
/// first checks and reach deep into the decoders.
public struct FuzzSchema: Sendable {
    /// Object name → the fields it accepts (e.g. `ConfigSchema.objects`).
    public var objects: [String: [String]]
    /// The object the document is.
    public var root: String
    /// Field → the object its value is; `[Name]` is a list of them (`"pipeline": "[Stage]"`).
    public var children: [String: String]
    /// Values the decoders know (kinds, enum words, stage names) and that valid documents hold.
    public var words: [String]

    /// A schema; `children` and `words` make the documents plausible, the field names come from `objects`.
    public init(objects: [String: [String]], root: String, children: [String: String], words: [String]) {
        self.objects = objects
        self.root = root
        self.children = children
        self.words = words
    }
}

/// Generates YAML documents from a ``FuzzSchema``: mostly right, with wrong types, unknown and misspelt fields,
/// hostile scalars, anchors, aliases, merge keys and tags mixed in. The same seed gives the same text.
public enum FuzzYAML {
    /// A generated node, before it is written as block or flow YAML.
    indirect enum Value {
        case scalar(String)
        case list([Value])
        case map([(String, Value)])
        case anchored(String, Value)
        case alias(String)
        case tagged(String, Value)
    }

    /// One document of `schema`.
    public static func document(_ schema: FuzzSchema, using rng: inout SplitMix64) -> String {
        var state = State(schema: schema)
        let root = state.object(schema.root, depth: 0, &rng)
        var text = rng.chance(10) ? "---\n" : ""
        Emitter.block(root, indent: 0, into: &text, &rng)
        return text
    }

    /// Scalars that have broken parsers elsewhere: huge and odd numbers, empty and blank strings, NUL and other
    /// control characters, non-ASCII, YAML 1.1 booleans, things that look like paths or flow syntax.
    public static let hostileScalars = [
        "", " ", "~", "null", "NULL", "yes", "No", "on", "0", "-0", "-1", "1", "007", "0x1F", "0o17", "1_000", "1e3",
        "1e999", "-1e999", ".inf", "-.inf", ".nan", "nan", "99999999999999999999999999", "-9223372036854775809",
        "9223372036854775807", "18446744073709551616", "0.000000000000000000001", "0s", "-5s", "1.5s", "99999999h",
        "9223372036854775807s", "1ms", "2m30s", "/", "//", "../x.yaml", "../../../etc/passwd", "/etc/passwd",
        "./a/../../b", "**", "**/", "[", "]", "{", "}", "a\u{0}b", "\u{0}", "\t", "\u{7}", "\u{1B}[31m", "é",
        "🚀", "\u{202E}gnp.exe", "\u{FEFF}", "line\nbreak", "a: b", "- x", "#", "&x", "*x", "!!binary", "%",
        "\"", "'", "\\", "<<", "=", "capstan/v2", "Application", "ProcessService", "ANALYSIS", "canary-baseline",
    ]

    /// A scalar of the kind decoders meet: a known word, a number, a duration, a name, or a hostile one.
    static func scalar(_ words: [String], _ rng: inout SplitMix64) -> String {
        switch rng.below(10) {
        case 0...3: return rng.pick(words)
        case 4: return String(rng.within(-2...70_000))
        case 5: return "\(rng.within(0...120))\(rng.pick(["s", "m", "h", "ms", "d", ""]))"
        case 6: return rng.pick(["web", "checkout", "a", "x-1", "Web", "-a", "a-", String(repeating: "n", count: 64)])
        case 7: return String(repeating: rng.pick(["a", "é", "9", " ", "\u{0}"]), count: rng.within(0...300))
        default: return rng.pick(hostileScalars)
        }
    }

    /// Generation state: the anchors defined so far, so aliases usually name one that exists.
    struct State {
        let schema: FuzzSchema
        var anchors: [String] = []

        init(schema: FuzzSchema) { self.schema = schema }

        mutating func object(_ name: String, depth: Int, _ rng: inout SplitMix64) -> Value {
            let fields = schema.objects[name] ?? []
            var pairs: [(String, Value)] = []
            for field in fields where rng.chance(75) {
                pairs.append((rng.chance(3) ? misspell(field, &rng) : field, value(for: field, depth: depth, &rng)))
            }
            if rng.chance(8) { pairs.append((scalar(schema.words, &rng), value(for: "", depth: depth, &rng))) }
            if rng.chance(4), let anchor = anchors.last { pairs.append(("<<", .alias(anchor))) }
            if rng.chance(5) { rng.shuffle(&pairs) }
            return .map(pairs)
        }

        mutating func value(for field: String, depth: Int, _ rng: inout SplitMix64) -> Value {
            if rng.chance(4), !anchors.isEmpty { return .alias(rng.chance(90) ? rng.pick(anchors) : "undefined") }
            var result: Value
            if let child = schema.children[field], depth < 8, rng.chance(85) {
                if child.hasPrefix("[") {
                    let element = String(child.dropFirst().dropLast())
                    result = .list((0..<rng.within(0...4)).map { _ in object(element, depth: depth + 1, &rng) })
                } else {
                    result = object(child, depth: depth + 1, &rng)
                }
            } else {
                result = rng.chance(85) ? .scalar(scalar(schema.words, &rng)) : wrongShape(depth: depth, &rng)
            }
            if rng.chance(3) { result = .tagged(rng.pick(["!!str", "!!int", "!!binary", "!!map", "!!null", "!custom"]), result) }
            if rng.chance(5) {
                let anchor = "a\(anchors.count)"
                anchors.append(anchor)
                result = .anchored(anchor, result)
            }
            return result
        }

        /// A list or mapping where a scalar belongs (or the other way round, when it lands on an object field).
        mutating func wrongShape(depth: Int, _ rng: inout SplitMix64) -> Value {
            if depth > 8 { return .scalar(scalar(schema.words, &rng)) }
            if rng.chance(50) {
                return .list((0..<rng.within(0...3)).map { _ in value(for: "", depth: depth + 1, &rng) })
            }
            // Sorted: a dictionary's order changes from one process to the next, and the input must not.
            let keys = schema.objects.keys.sorted().flatMap { schema.objects[$0]! }
            return .map((0..<rng.within(0...3)).map { _ in (rng.pick(keys), value(for: "", depth: depth + 1, &rng)) })
        }

        func misspell(_ field: String, _ rng: inout SplitMix64) -> String {
            var chars = Array(field)
            switch rng.below(3) {
            case 0 where chars.count > 1: chars.swapAt(0, 1)
            case 1: chars.append(rng.pick(["s", "_", " "]))
            default: return field.uppercased()
            }
            return String(chars)
        }
    }

    /// `levels` of anchors, each a list of `width` aliases of the one before: width^levels leaves from a few
    /// hundred bytes (the "billion laughs" of XML, in YAML).
    public static func aliasBomb(levels: Int = 9, width: Int = 10, key: String = "name") -> String {
        var text = "a0: &a0 [\(Array(repeating: "\"lol\"", count: width).joined(separator: ", "))]\n"
        for level in 1..<levels {
            text += "a\(level): &a\(level) [\(Array(repeating: "*a\(level - 1)", count: width).joined(separator: ", "))]\n"
        }
        return text + "\(key): *a\(levels - 1)\n"
    }

    /// A value nested `depth` lists deep under `key`, in flow (`[[[…]]]`) or block (`- - - x`, compact) style.
    public static func deepNesting(_ depth: Int, flow: Bool, key: String = "labels") -> String {
        if flow { return "\(key): " + String(repeating: "[", count: depth) + String(repeating: "]", count: depth) + "\n" }
        return "\(key):\n" + String(repeating: "- ", count: depth) + "x\n"
    }
}
