/// A Git commit id: 40 lowercase hex digits (SHA-1 object format).
public struct CommitID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The full hex form.
    public let hex: String

    /// Accepts a full 40-digit hex id (either case); nil for anything else.
    public init?(_ text: String) {
        guard text.utf8.count == 40, text.utf8.allSatisfy(Self.isHexDigit) else { return nil }
        self.hex = text.lowercased()
    }

    /// The first 7 digits, as people read them.
    public var short: String { String(hex.prefix(7)) }

    public var description: String { hex }

    public static func < (lhs: CommitID, rhs: CommitID) -> Bool { lhs.hex < rhs.hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = CommitID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a commit id: \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (97...102).contains(byte) || (65...70).contains(byte)
    }
}
