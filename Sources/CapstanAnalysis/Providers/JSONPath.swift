import CapstanCore

/// Where a number sits in a JSON answer: keys separated by dots, array indices in brackets —
/// `data.items[0].value`, `[2].count`; a leading `$.` (JSONPath style) is accepted and ignored, and `$`
/// alone is the whole document (an endpoint that answers a bare number).
///
/// Deliberately not full JSONPath (no wildcards, filters or quoted keys): a metric needs one number,
/// and a path that could match several would need a rule for choosing one.
struct JSONPath: Sendable, Hashable, CustomStringConvertible {
    enum Step: Sendable, Hashable {
        case key(String)
        case index(Int)
    }

    let steps: [Step]
    let description: String

    /// Parses `text`; a path that cannot be read is the metric's fault (`.badQuery`).
    init(_ text: String) throws(ProviderError) {
        description = text
        var rest = Substring(text)
        if rest == "$" {
            steps = []
            return
        }
        if rest.hasPrefix("$.") { rest = rest.dropFirst(2) } else if rest.hasPrefix("$[") { rest = rest.dropFirst() }
        var steps: [Step] = []
        var expectKey = true  // at the start and after a dot
        while !rest.isEmpty {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { throw Self.invalid(text, "a [ without ]") }
                let digits = rest[rest.index(after: rest.startIndex)..<close]
                guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let index = Int(digits) else {
                    throw Self.invalid(text, "an index must be a number like [0], got [\(digits)]")
                }
                steps.append(.index(index))
                rest = rest[rest.index(after: close)...]
                expectKey = false
            } else if rest.first == "." {
                guard !expectKey else { throw Self.invalid(text, "an empty key") }
                rest = rest.dropFirst()
                expectKey = true
                guard !rest.isEmpty else { throw Self.invalid(text, "it ends with a dot") }
            } else {
                guard expectKey else { throw Self.invalid(text, "a key must follow a dot") }
                let key = rest.prefix { $0 != "." && $0 != "[" && $0 != "]" }
                guard !key.isEmpty else { throw Self.invalid(text, "a ] without [") }
                steps.append(.key(String(key)))
                rest = rest.dropFirst(key.count)
                expectKey = false
            }
        }
        guard !steps.isEmpty else { throw Self.invalid(text, "it names nothing") }
        self.steps = steps
    }

    /// The value at the path, or why there is none (which step is missing, and what was there instead).
    func value(in document: JSONValue) -> Result<JSONValue, Missing> {
        var current = document
        var walked = "$"
        for step in steps {
            switch step {
            case .key(let key):
                guard case .object(let object) = current else {
                    return .failure(Missing(reason: "\(walked) is \(Self.kind(current)), not an object with \"\(key)\""))
                }
                guard let next = object[key] else { return .failure(Missing(reason: "\(walked) has no \"\(key)\"")) }
                current = next
                walked += ".\(key)"
            case .index(let index):
                guard case .array(let array) = current else {
                    return .failure(Missing(reason: "\(walked) is \(Self.kind(current)), not a list"))
                }
                guard index < array.count else {
                    return .failure(Missing(reason: "\(walked) has \(array.count) items, no [\(index)]"))
                }
                current = array[index]
                walked += "[\(index)]"
            }
        }
        return .success(current)
    }

    /// Why a path led nowhere.
    struct Missing: Error, Hashable {
        let reason: String
    }

    static func kind(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): "the boolean \(flag)"
        case .number(let number): "the number \(JSONValue.number(number))"
        case .string(let text): "the string \"\(text.prefix(40))\(text.count > 40 ? "…" : "")\""
        case .array(let items): "a list of \(items.count)"
        case .object: "an object"
        }
    }

    private static func invalid(_ text: String, _ problem: String) -> ProviderError {
        ProviderError(.badQuery, "jsonPath \"\(text)\" cannot be read: \(problem) "
                      + "(write keys with dots and indices in brackets, like data.items[0].value)")
    }
}
