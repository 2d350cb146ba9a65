public import Foundation

/// One timestamped line of a stage's log.
public struct LogLine: Sendable, Hashable, Codable {
    /// How much the line matters; plugins that do not say are `info`.
    public enum Level: String, Sendable, Hashable, Codable {
        case info
        case warning
        case error
    }

    public var time: Date
    public var level: Level
    public var message: String

    public init(time: Date = Date(), level: Level = .info, _ message: String) {
        self.time = time
        self.level = level
        self.message = message
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .time)
        // Lenient on purpose: plugins in other languages write ISO 8601 with or without a
        // fraction, with `Z` or a numeric offset.
        guard let time = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: .time, in: container, debugDescription: "not an ISO 8601 time: \(text)")
        }
        self.time = time
        level = try container.decodeIfPresent(Level.self, forKey: .level) ?? .info
        message = try container.decode(String.self, forKey: .message)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)), forKey: .time)
        try container.encode(level, forKey: .level)
        try container.encode(message, forKey: .message)
    }

    private enum CodingKeys: String, CodingKey { case time, level, message }
}
