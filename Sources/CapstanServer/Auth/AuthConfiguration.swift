public import CapstanCore
import Foundation

/// How the API checks who is asking, as `capstan serve` builds it from the server config's `auth:`.
///
/// Without one (`auth: nil` where the API takes it), reads are open and commands are taken only from
/// this machine.
public struct AuthConfiguration: Sendable, Hashable {
    /// The tokens file, absolute or relative to the working directory.
    public var tokensFile: String
    /// Whether `GET` routes under `/api/` answer without a token.
    public var anonymousRead: Bool

    /// Checks tokens against the file at `tokensFile`.
    public init(tokensFile: String, anonymousRead: Bool = true) {
        self.tokensFile = tokensFile
        self.anonymousRead = anonymousRead
    }

    /// The configuration the server config's `auth:` describes; its relative `tokensFile` is relative to the
    /// folder of `configFile` (the path of the config file, as given on the command line).
    public init(_ config: AuthConfig, configFile: String) {
        self.init(tokensFile: Self.resolve(config.tokensFile, configFile: configFile), anonymousRead: config.anonymousRead)
    }

    /// `path` as seen from the folder of `configFile`, unless it is absolute.
    public static func resolve(_ path: String, configFile: String) -> String {
        if path.hasPrefix("/") { return path }
        let folder = URL(fileURLWithPath: configFile).deletingLastPathComponent()
        return folder.appendingPathComponent(path).standardizedFileURL.path
    }
}
