/// The plugin protocol's version, `MAJOR.MINOR`, exchanged in `initialize`.
///
/// A minor release only adds (optional members, methods, stage kinds) and both sides ignore
/// what they do not know; a major release breaks, and the host refuses a plugin whose major
/// differs from its own.
public struct ProtocolVersion: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    /// The version this build of Capstan speaks.
    public static let current = ProtocolVersion(major: 1, minor: 0)

    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `"1.0"`; nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]), major >= 0, minor >= 0 else {
            return nil
        }
        self.init(major: major, minor: minor)
    }

    /// Whether a peer speaking `other` can talk to one speaking `self`: the same major.
    public func isCompatible(with other: ProtocolVersion) -> Bool { major == other.major }

    public var description: String { "\(major).\(minor)" }

    public static func < (lhs: ProtocolVersion, rhs: ProtocolVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let version = ProtocolVersion(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a MAJOR.MINOR version: \(text)")
        }
        self = version
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
