import Foundation
import Yams

/// A dotted field path such as `pipeline[2].with.duration`.
struct FieldPath: Sendable, Hashable, CustomStringConvertible {
    let text: String

    static let root = FieldPath(text: "")

    /// A key longer than any field name is cut, so a megabyte key cannot make a megabyte path.
    func key(_ key: String) -> FieldPath {
        // An empty key is shown as `""`, so the path still names it (found by the fuzzer, seed 0xb97fffc2fdf87abb).
        let key = key.isEmpty ? "\"\"" : key.count > 64 ? String(key.prefix(64)) + "…" : key
        return FieldPath(text: text.isEmpty ? key : "\(text).\(key)")
    }
    func index(_ index: Int) -> FieldPath { FieldPath(text: "\(text)[\(index)]") }

    var description: String { text }
}

/// Walks a composed YAML tree and collects every problem instead of stopping at the first one.
///
/// Decoders ask it for typed values; a wrong value is reported with file, line, column and field path
/// and comes back as nil, so decoding goes on and the user sees all errors of a file at once.
final class YAMLReader {
    /// Files larger than this are refused before parsing.
    static let maxBytes = 1 << 20
    /// Upper bound on nodes and nesting, so an alias bomb or a deep document cannot exhaust memory.
    static let maxNodes = 100_000
    static let maxDepth = 64

    let file: String
    private(set) var diagnostics: [ConfigDiagnostic] = []
    /// Where each visited field starts, for checks made after decoding (e.g. a manifest that is missing).
    private(set) var locations: [String: Mark] = [:]

    init(file: String) { self.file = file }

    /// Parses one YAML document; reports syntax errors, size and shape limits.
    func parse(_ data: Data) -> Node? {
        guard data.count <= Self.maxBytes else {
            report("file is \(data.count) bytes; the limit is \(Self.maxBytes) (1 MiB)", line: 1, column: 1, .root)
            return nil
        }
        // Before Yams: limits on the expanded document (aliases included), and located encoding errors.
        if let problem = YAMLShapeCheck(maxNodes: Self.maxNodes, maxDepth: Self.maxDepth).check(data) {
            report(problem.message, line: problem.line, column: problem.column, .root)
            return nil
        }
        guard let text = String(data: data, encoding: .utf8) else {
            report("the file is not valid UTF-8", line: 1, column: 1, .root)
            return nil
        }
        do {
            guard let node = try Yams.compose(yaml: text) else {
                report("file is empty", line: 1, column: 1, .root)
                return nil
            }
            return node
        } catch let error as YamlError {
            reportSyntax(error)
        } catch {
            report("cannot read YAML: \(error)", line: 1, column: 1, .root)
        }
        return nil
    }

    // MARK: Reporting

    func error(_ message: String, at node: Node?, _ path: FieldPath) {
        let mark = node?.mark
        report(message, line: mark?.line ?? 1, column: mark?.column ?? 1, path)
    }

    func report(_ message: String, line: Int, column: Int, _ path: FieldPath) {
        diagnostics.append(ConfigDiagnostic(file: file, line: line, column: column, field: path.text, message: message))
    }

    func record(_ path: FieldPath, _ node: Node) {
        if let mark = node.mark { locations[path.text] = mark }
    }

    private func reportSyntax(_ error: YamlError) {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            report("YAML syntax error: \(problem)", line: mark.line, column: mark.column, .root)
        case .duplicatedKeysInMapping(let duplicates, let context):
            report("duplicate key \(duplicates.map { quote($0) }.joined(separator: ", ")) in one mapping",
                   line: context.mark.line, column: context.mark.column, .root)
        default:
            report("cannot read YAML: \(error)", line: 1, column: 1, .root)
        }
    }
}

/// The entries of one YAML mapping, checked against the fields a decoder knows.
struct Fields {
    let reader: YAMLReader
    let node: Node
    let path: FieldPath
    private let entries: [String: Node]

    init(reader: YAMLReader, node: Node, path: FieldPath, entries: [String: Node]) {
        self.reader = reader
        self.node = node
        self.path = path
        self.entries = entries
    }

    /// Whether the key is present with a non-null value.
    func has(_ key: String) -> Bool { entries[key].map { !$0.isNull } ?? false }

    /// Decodes an optional field; nil when absent or null (or wrong, which is reported).
    func optional<T>(_ key: String, _ decode: (Node, FieldPath) -> T?) -> T? {
        guard let value = entries[key], !value.isNull else { return nil }
        return decode(value, path.key(key))
    }

    /// Decodes a required field; a missing one is reported at the mapping.
    func required<T>(_ key: String, _ decode: (Node, FieldPath) -> T?) -> T? {
        guard let value = entries[key], !value.isNull else {
            reader.error("required field is missing", at: entries[key] ?? node, path.key(key))
            return nil
        }
        return decode(value, path.key(key))
    }

    /// The raw node of a field, for checks that need its location.
    func node(_ key: String) -> Node? { entries[key] }
}

extension Node {
    var isNull: Bool {
        if case .scalar(let scalar) = self, scalar.style == .plain {
            return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
        }
        return false
    }
}
