import Foundation
import CapstanCore
import Yams

extension YAMLReader {
    /// A mapping whose keys must be among `known`; unknown keys are errors with a "did you mean" hint.
    func mapping(_ node: Node, _ path: FieldPath, known: [String]) -> Fields? {
        record(path, node)
        guard case .mapping(let mapping) = node else {
            error("expected a mapping with fields \(known.joined(separator: ", ")), got \(node.kindName)", at: node, path)
            return nil
        }
        var entries: [String: Node] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                error("keys must be plain strings", at: key, path)
                continue
            }
            let name = scalar.string
            guard known.contains(name) else {
                let hint = Suggestion.closest(to: name, in: known).map { "; did you mean \"\($0)\"?" }
                    ?? "; known fields: \(known.joined(separator: ", "))"
                error("unknown field \(quote(name))\(hint)", at: key, path.key(name))
                continue
            }
            record(path.key(name), value)
            entries[name] = value
        }
        return Fields(reader: self, node: node, path: path, entries: entries)
    }

    /// A sequence whose elements are decoded one by one; a bad element is reported and left out.
    func list<T>(_ node: Node, _ path: FieldPath, _ element: (Node, FieldPath) -> T?) -> [T]? {
        guard case .sequence(let sequence) = node else {
            error("expected a list, got \(node.kindName)", at: node, path)
            return nil
        }
        return sequence.enumerated().compactMap { index, item in
            record(path.index(index), item)
            return element(item, path.index(index))
        }
    }

    /// A scalar's text as written, so `NO` stays "NO" and `1.10` stays "1.10".
    func string(_ node: Node, _ path: FieldPath) -> String? {
        guard case .scalar(let scalar) = node, !node.isNull else {
            error("expected a string, got \(node.kindName)", at: node, path)
            return nil
        }
        return scalar.string
    }

    /// A string that must not be empty.
    func nonEmptyString(_ node: Node, _ path: FieldPath) -> String? {
        guard let text = string(node, path) else { return nil }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            error("must not be empty", at: node, path)
            return nil
        }
        return text
    }

    /// A name: lowercase letters, digits and `-`, starting with a letter, at most 63 characters (a DNS label).
    func name(_ node: Node, _ path: FieldPath) -> String? {
        guard let text = string(node, path) else { return nil }
        let valid = !text.isEmpty && text.count <= 63 && text.first!.isLowercaseASCIILetter
            && text.allSatisfy { $0.isLowercaseASCIILetter || ($0.isASCII && $0.isNumber) || $0 == "-" }
            && !text.hasSuffix("-")
        guard valid else {
            error("expected a name of lowercase letters, digits and '-' starting with a letter (at most 63), got \(quote(text))",
                  at: node, path)
            return nil
        }
        return text
    }

    func bool(_ node: Node, _ path: FieldPath) -> Bool? {
        switch string(node, path)?.lowercased() {
        case "true": return true
        case "false": return false
        case nil: return nil
        case let other?:
            error("expected true or false, got \(quote(other))", at: node, path)
            return nil
        }
    }

    func int(_ node: Node, _ path: FieldPath, in range: ClosedRange<Int>) -> Int? {
        guard let text = string(node, path) else { return nil }
        guard let value = Int(text) else {
            error("expected an integer, got \(quote(text))", at: node, path)
            return nil
        }
        guard range.contains(value) else {
            error("must be between \(range.lowerBound) and \(range.upperBound), got \(value)", at: node, path)
            return nil
        }
        return value
    }

    func double(_ node: Node, _ path: FieldPath, in range: ClosedRange<Double>? = nil) -> Double? {
        guard let text = string(node, path) else { return nil }
        guard let value = Double(text), value.isFinite else {
            error("expected a number, got \(quote(text))", at: node, path)
            return nil
        }
        if let range, !range.contains(value) {
            error("must be between \(range.lowerBound) and \(range.upperBound), got \(value)", at: node, path)
            return nil
        }
        return value
    }

    func duration(_ node: Node, _ path: FieldPath) -> Duration? {
        guard let text = string(node, path) else { return nil }
        guard let value = DurationText.parse(text) else {
            error("expected a duration like 30s, 5m or 1h, got \(quote(text))", at: node, path)
            return nil
        }
        return value
    }

    /// A duration longer than zero (intervals, timeouts, waits: zero would spin or fail at once).
    func positiveDuration(_ node: Node, _ path: FieldPath) -> Duration? {
        guard let value = duration(node, path) else { return nil }
        guard value > .zero else {
            error("must be longer than 0s", at: node, path)
            return nil
        }
        return value
    }

    /// One of a fixed set of words, with a "did you mean" hint for typos.
    func choice<T: RawRepresentable & CaseIterable>(_ node: Node, _ path: FieldPath, _ type: T.Type) -> T?
    where T.RawValue == String {
        guard let text = string(node, path) else { return nil }
        if let value = T(rawValue: text) { return value }
        let known = T.allCases.map(\.rawValue)
        let hint = Suggestion.closest(to: text, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
        error("expected one of \(known.joined(separator: ", ")), got \(quote(text))\(hint)", at: node, path)
        return nil
    }

    func stringList(_ node: Node, _ path: FieldPath) -> [String]? {
        list(node, path) { item, itemPath in nonEmptyString(item, itemPath) }
    }

    /// A mapping of string keys to scalar values (labels, env).
    func stringMap(_ node: Node, _ path: FieldPath) -> [String: String]? {
        guard case .mapping(let mapping) = node else {
            error("expected a mapping of strings, got \(node.kindName)", at: node, path)
            return nil
        }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = string(key, path) else { continue }
            if let text = string(value, path.key(name)) { result[name] = text }
        }
        return result
    }

    func glob(_ node: Node, _ path: FieldPath) -> Glob? {
        guard let text = nonEmptyString(node, path) else { return nil }
        do {
            return try Glob(text)
        } catch {
            self.error(error.message, at: node, path)
            return nil
        }
    }
}

extension Node {
    /// How the node's kind is named in messages.
    var kindName: String {
        switch self {
        case .scalar(let scalar): isNull ? "null" : "\(quote(scalar.string))"
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }
}

extension Character {
    fileprivate var isLowercaseASCIILetter: Bool { isASCII && isLowercase && isLetter }
}
