import Foundation

/// The one encoder and decoder configuration used on the wire, so every message is written the same way.
enum WireCoding {
    /// Sorted keys make the output deterministic (tests pin it); slashes stay readable in paths.
    static var encoder: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static var decoder: JSONDecoder { JSONDecoder() }

    /// One message as one line: compact JSON (which never holds a raw newline) plus `\n`.
    static func line(_ message: some Encodable) throws -> Data {
        var data = try encoder.encode(message)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    /// Re-reads a JSON value (stage options, target config) as a Decodable type.
    static func decode<T: Decodable>(_ type: T.Type, from value: some Encodable) throws -> T {
        try decoder.decode(type, from: encoder.encode(value))
    }
}
