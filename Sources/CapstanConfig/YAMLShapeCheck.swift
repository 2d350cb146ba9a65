import Foundation
// libyaml as Yams builds it: its event parser sees the document before Yams composes (and hashes) it.
import CYaml

/// Checks a document's bytes with libyaml's event parser before Yams composes it, in one linear pass.
///
/// Yams shares an aliased node rather than copying it, but it hashes every mapping's keys to find duplicates,
/// and a key that is an alias of an alias bomb hashes its whole expansion: `? *a6 : x` took minutes. So the
/// size a document has once its aliases are expanded is counted here from the events, each anchor's size
/// remembered, and a document past ``YAMLReader/maxNodes`` or ``YAMLReader/maxDepth`` never reaches Yams.
/// The same pass turns libyaml's errors into located messages: a NUL byte or a broken UTF-8 sequence is
/// reported at its line and column (libyaml gives only a byte offset).
struct YAMLShapeCheck {
    /// Why a document was refused, and where.
    struct Problem: Error, Equatable {
        let message: String
        let line: Int
        let column: Int
    }

    /// A collection being read: its size and height so far.
    private struct Frame {
        var anchor: String?
        var size = 1
        var height = 1
    }

    let maxNodes: Int
    let maxDepth: Int

    func check(_ bytes: Data) -> Problem? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else { return Problem(message: "out of memory", line: 1, column: 1) }
        defer { yaml_parser_delete(&parser) }
        return bytes.withUnsafeBytes { buffer -> Problem? in
            guard let base = buffer.baseAddress else { return nil }  // empty: Yams says so
            yaml_parser_set_input_string(&parser, base.assumingMemoryBound(to: UInt8.self), buffer.count)
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            var stack: [Frame] = []
            var anchors: [String: (size: Int, height: Int)] = [:]
            var total = 0
            while true {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return libyamlProblem(parser, buffer) }
                defer { yaml_event_delete(&event) }
                let mark = event.start_mark
                func at(_ message: String) -> Problem {
                    Problem(message: message, line: mark.line + 1, column: mark.column + 1)
                }
                // A finished node: counted (expanded) in the document and in the collection that holds it.
                func add(size: Int, height: Int, anchor: String?) -> Problem? {
                    total += size
                    if let anchor { anchors[anchor] = (size, height) }
                    if total > maxNodes {
                        return at(anchors.isEmpty
                            ? "the document has more than \(maxNodes) values; the limit is \(maxNodes)"
                            : "the document's aliases expand to more than \(maxNodes) values (an alias bomb?); the limit is \(maxNodes)")
                    }
                    if stack.count + height > maxDepth + 1 {
                        return at("the document is nested deeper than \(maxDepth) levels (counting what its aliases expand to)")
                    }
                    if !stack.isEmpty {
                        stack[stack.count - 1].size += size
                        stack[stack.count - 1].height = max(stack[stack.count - 1].height, height + 1)
                    }
                    return nil
                }
                switch event.type {
                case YAML_STREAM_END_EVENT:
                    return nil
                case YAML_SCALAR_EVENT:
                    if let problem = add(size: 1, height: 1, anchor: Self.text(event.data.scalar.anchor)) { return problem }
                case YAML_ALIAS_EVENT:
                    // An undefined alias is Yams's to report; it counts as one value here.
                    let target = Self.text(event.data.alias.anchor).flatMap { anchors[$0] } ?? (1, 1)
                    if let problem = add(size: target.size, height: target.height, anchor: nil) { return problem }
                case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                    let anchor = event.type == YAML_SEQUENCE_START_EVENT
                        ? Self.text(event.data.sequence_start.anchor) : Self.text(event.data.mapping_start.anchor)
                    stack.append(Frame(anchor: anchor))
                    if stack.count > maxDepth {
                        return at("the document is nested deeper than \(maxDepth) levels")
                    }
                case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                    let frame = stack.removeLast()
                    if let problem = add(size: frame.size, height: frame.height, anchor: frame.anchor) { return problem }
                default:
                    continue  // stream, document start and end
                }
            }
        }
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// libyaml's error, worded for people and located: reader errors carry a byte offset, the others a mark.
    private func libyamlProblem(_ parser: yaml_parser_t, _ buffer: UnsafeRawBufferPointer) -> Problem {
        let problem = parser.problem.map { String(cString: $0) } ?? "unknown error"
        if parser.error == YAML_READER_ERROR {
            var offset = min(parser.problem_offset, buffer.count)
            let broken = problem.contains("UTF-8") || problem.contains("Unicode")
            // libyaml points at the bad continuation byte; the sequence, and the character, start before it.
            if broken, problem.contains("trailing") || problem.contains("incomplete"), !buffer.isEmpty {
                var lead = min(offset, buffer.count - 1)
                while lead > 0, offset - lead < 3, buffer[lead] & 0xC0 != 0xC0 { lead -= 1 }
                if buffer[lead] & 0xC0 == 0xC0 { offset = lead }
            }
            let (line, column) = Self.position(of: offset, in: buffer)
            let message: String
            if problem.contains("control characters") {
                message = String(format: "the file holds the control character U+%04X; YAML allows tabs, line breaks and "
                                 + "printable characters only", parser.problem_value)
            } else if broken {
                let byte = offset < buffer.count ? String(format: " byte 0x%02X", buffer[offset]) : " the end"
                let place = problem.contains("trailing") || problem.contains("incomplete") ? "after" : "at"
                message = "the file is not valid UTF-8 (\(problem) \(place)\(byte)); save it as UTF-8"
            } else {
                message = "the file cannot be read as YAML: \(problem)"
            }
            return Problem(message: message, line: line, column: column)
        }
        let mark = parser.problem_mark
        if problem.hasPrefix("Maximum nesting level") {
            return Problem(message: "the document is nested deeper than \(maxDepth) levels", line: mark.line + 1,
                           column: mark.column + 1)
        }
        return Problem(message: "YAML syntax error: \(problem)", line: mark.line + 1, column: mark.column + 1)
    }

    /// 1-based line and column (in characters, counting a broken sequence's bytes one each) of a byte offset.
    static func position(of offset: Int, in bytes: UnsafeRawBufferPointer) -> (Int, Int) {
        var line = 1, column = 1
        for byte in bytes.prefix(offset) {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
