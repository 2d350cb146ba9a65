import Foundation

/// A parsed Git remote: what transport it uses and how to show it without credentials.
public struct GitRemote: Sendable, Hashable, CustomStringConvertible {
    /// The transport, as libgit2 will pick it.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// `file:///path`
        case file
        /// An absolute path (or `./`, `../`, `~/`, made absolute when parsed).
        case local
        /// `git://host[:port]/path` (read-only, unauthenticated).
        case git
        /// `https://[user[:password]@]host/path`; credentials from `GitCredentials.token`.
        case https
        /// `http://...`: like https, without TLS.
        case http
        /// `ssh://[user@]host[:port]/path` or scp-like `[user@]host:path`; `GitCredentials.sshKey`.
        case ssh
    }

    /// The transport.
    public let kind: Kind
    /// The remote without user-info (https), password (ssh), query or fragment: safe to log.
    public let redacted: String
    /// What libgit2 connects to; may carry credentials, so it stays internal.
    let url: String
    /// Parts of `url` that must be scrubbed from messages.
    let secrets: [String]

    public var description: String { redacted }

    /// Parses `https://`, `http://`, `ssh://`, `git://`, `file://`, scp-like `user@host:path`,
    /// an absolute path, or a path starting with `./`, `../` or `~/` (made absolute now).
    public init(_ text: String) throws(GitError) {
        func invalid(_ why: String) -> GitError {
            GitError(code: .invalidRemote, operation: "parse remote", remote: Self.roughRedaction(text), message: why)
        }
        guard !text.isEmpty else { throw invalid("the remote is empty") }
        // A newline or NUL in a URL could smuggle extra lines into a protocol request.
        guard !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw invalid("the remote contains control characters")
        }
        if let separator = text.range(of: "://") {
            let scheme = text[..<separator.lowerBound].lowercased()
            let rest = String(text[separator.upperBound...])
            guard let kind = Self.schemes[scheme] else {
                throw invalid("unsupported scheme '\(scheme)': use https, http, ssh, git or file")
            }
            if kind == .file {
                guard rest.hasPrefix("/"), rest.count > 1 else { throw invalid("a file:// URL needs an absolute path") }
                self.init(kind: .file, redacted: "file://" + rest, url: text, secrets: [])
                return
            }
            try self.init(scheme: scheme, kind: kind, rest: rest, original: text, invalid: invalid)
            return
        }
        if text.hasPrefix("/") || text.hasPrefix("./") || text.hasPrefix("../") || text.hasPrefix("~/") {
            let expanded = NSString(string: text).expandingTildeInPath
            let absolute = URL(fileURLWithPath: expanded).standardizedFileURL.path
            self.init(kind: .local, redacted: absolute, url: absolute, secrets: [])
            return
        }
        // scp-like: [user@]host:path, where no '/' comes before the first ':'.
        if let colon = text.firstIndex(of: ":"), !text[..<colon].contains("/") {
            let login = text[..<colon]
            let path = text[text.index(after: colon)...]
            let host = login.split(separator: "@", omittingEmptySubsequences: false).last ?? ""
            guard !host.isEmpty, !path.isEmpty else { throw invalid("an scp-like remote needs a host and a path: git@host:org/repo.git") }
            self.init(kind: .ssh, redacted: text, url: text, secrets: [])
            return
        }
        throw invalid("not a Git remote: use https://, ssh://, git://, file://, user@host:path, or an absolute path")
    }

    private init(kind: Kind, redacted: String, url: String, secrets: [String]) {
        self.kind = kind
        self.redacted = redacted
        self.url = url
        self.secrets = secrets
    }

    /// `scheme://[user[:password]@]host[:port]/path[?query][#fragment]`
    private init(scheme: String, kind: Kind, rest: String, original: String, invalid: (String) -> GitError) throws(GitError) {
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var path = rest[authorityEnd...]
        if let cut = path.firstIndex(where: { $0 == "?" || $0 == "#" }) { path = path[..<cut] }
        let at = authority.lastIndex(of: "@")
        let userInfo = at.map { String(authority[..<$0]) }
        let hostPort = at.map { authority[authority.index(after: $0)...] } ?? authority
        guard !hostPort.isEmpty else { throw invalid("the URL has no host") }
        guard path.count > 1 else { throw invalid("the URL has no repository path") }

        let user = userInfo.map { String($0.prefix { $0 != ":" }) }
        let password = userInfo.flatMap { info in info.firstIndex(of: ":").map { String(info[info.index(after: $0)...]) } }
        var secrets: [String] = []
        var shownAuthority = String(hostPort)
        switch kind {
        case .ssh:
            // An ssh user name is not a secret (and says which key the server expects).
            if let user, !user.isEmpty { shownAuthority = user + "@" + hostPort }
            if let password, !password.isEmpty { secrets = [password] }
        default:
            // Over http(s) the user part is often the token itself (https://TOKEN@host/...).
            if let userInfo, !userInfo.isEmpty {
                secrets = [userInfo + "@", userInfo]
                if let password, !password.isEmpty { secrets.append(password) }
                else if let user, !user.isEmpty { secrets.append(user) }
            }
        }
        self.init(kind: kind, redacted: "\(scheme)://\(shownAuthority)\(path)", url: original, secrets: secrets)
    }

    private static let schemes: [String: Kind] = [
        "https": .https, "http": .http, "ssh": .ssh, "git+ssh": .ssh, "ssh+git": .ssh, "git": .git, "file": .file,
    ]

    /// For messages about text we could not parse: drop anything between "://" and "@".
    private static func roughRedaction(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].firstIndex(of: "@") else {
            return String(text.unicodeScalars.filter { $0.properties.generalCategory != .control })
        }
        return String(text[..<scheme.upperBound]) + "***@" + text[text.index(after: at)...]
    }

    /// A stable folder name for this remote's mirror: readable host/path plus a hash of `redacted`.
    var folderName: String {
        var readable = redacted
        if let separator = readable.range(of: "://") { readable = String(readable[separator.upperBound...]) }
        var name = ""
        var lastWasDash = false
        for scalar in readable.unicodeScalars {
            let keep = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "." || scalar == "_")
            if keep {
                name.unicodeScalars.append(scalar)
                lastWasDash = false
            } else if !lastWasDash {
                name.append("-")
                lastWasDash = true
            }
        }
        name = String(name.trimmingCharacters(in: CharacterSet(charactersIn: "-.")).prefix(64))
        return (name.isEmpty ? "repo" : name) + "-" + Self.fnv1a(redacted)
    }

    /// FNV-1a 64: stable across runs and platforms (Swift's Hasher is seeded per process).
    static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
