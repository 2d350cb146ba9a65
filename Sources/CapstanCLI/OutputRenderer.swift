import CapstanServer
import Foundation
import Yams

/// Prints API values as JSON or YAML (the API's field names and time format) or as a table for people.
enum OutputRenderer {
    /// Pretty JSON with sorted keys, exactly the API's fields.
    static func json(_ value: some Encodable) throws -> String {
        String(decoding: try APIJSON.encoder(pretty: true).encode(value), as: UTF8.self)
    }

    /// YAML with sorted keys; multi-line strings (diffs) as literal blocks.
    static func yaml(_ value: some Encodable) throws -> String {
        let encoder = YAMLEncoder()
        encoder.options.sortKeys = true
        encoder.options.allowUnicode = true
        encoder.options.width = -1
        encoder.options.newLineScalarStyle = .literal
        let text = try encoder.encode(value)
        return text.hasSuffix("\n") ? String(text.dropLast()) : text
    }

    /// Writes `value` in `format`; `table` supplies the lines for people.
    static func write(_ value: some Encodable, as format: OutputFormat, to console: Console, table: () -> [String]) throws {
        switch format {
        case .json: console.out(try json(value))
        case .yaml: console.out(try yaml(value))
        case .table: table().forEach(console.out)
        }
    }

    /// Aligned columns, two spaces apart; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            let line = row.indices.map { column in
                column == row.count - 1 ? row[column] : row[column].padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }.joined()
            return String(line.reversed().drop { $0 == " " }.reversed())
        }
    }

    /// `Label:  value` lines with the values aligned.
    static func fields(_ pairs: [(String, String)]) -> [String] {
        let width = (pairs.map(\.0.count).max() ?? 0) + 2
        return pairs.map { ($0.0 + ":").padding(toLength: width, withPad: " ", startingAt: 0) + $0.1 }
    }
}

extension Optional where Wrapped: CustomStringConvertible {
    /// The value, or `-` in a table.
    var cell: String { map(\.description) ?? "-" }
}
