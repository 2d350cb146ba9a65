import Foundation

/// An event's `data` as JSON text: an object of strings with sorted keys (stable bytes for the same
/// data, so files diff and hash the same).
///
/// Encoding is hand-written because it sits on the event-append hot path, where `JSONEncoder` cost
/// more than the SQLite insert itself; decoding (reads, far colder) uses `JSONDecoder`.
enum EventData {
    static func encode(_ data: [String: String]) -> String {
        if data.isEmpty { return "{}" }
        var bytes: [UInt8] = [UInt8(ascii: "{")]
        bytes.reserveCapacity(data.reduce(2) { $0 + $1.key.utf8.count + $1.value.utf8.count + 6 })
        for (offset, entry) in data.sorted(by: { $0.key < $1.key }).enumerated() {
            if offset > 0 { bytes.append(UInt8(ascii: ",")) }
            appendQuoted(entry.key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            appendQuoted(entry.value, to: &bytes)
        }
        bytes.append(UInt8(ascii: "}"))
        return String(decoding: bytes, as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [String: String] {
        if text == "{}" { return [:] }
        return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
    }

    /// Escapes what JSON requires (quote, backslash, control characters); other UTF-8 passes through.
    private static func appendQuoted(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
