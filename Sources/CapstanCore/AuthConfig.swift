/// Who may use the HTTP API: the bearer tokens the server accepts, and whether reads need one.
///
/// Without it (`ServerConfig.auth == nil`) the API reads are open and commands are taken only from
/// the server's own machine.
public struct AuthConfig: Sendable, Hashable {
    /// The tokens file (names, roles and SHA-256 hashes, never tokens), as written in the config: a
    /// relative path is relative to the config file's folder, so `capstan serve` and `capstan token`
    /// find the same file wherever they are run from.
    public var tokensFile: String
    /// Whether `GET` routes answer without a token; `/healthz` and `/metrics` never need one.
    public var anonymousRead: Bool

    public init(tokensFile: String, anonymousRead: Bool = true) {
        self.tokensFile = tokensFile
        self.anonymousRead = anonymousRead
    }
}
