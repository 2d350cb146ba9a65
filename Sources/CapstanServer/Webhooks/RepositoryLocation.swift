/// Where a repository lives, reduced to what names it whatever the spelling: the host and the path, without
/// scheme, user, port, `.git` or trailing slash, in lower case.
///
/// `https://GitHub.com/org/repo.git`, `ssh://git@github.com:22/org/repo`, `git@github.com:org/repo.git` and
/// `https://github.com/org/repo/` are one location. Case is ignored in the path too: the big hosts treat
/// owner and repository names that way, and a false match costs one early fetch, a missed one a whole poll.
///
/// Parsed on UTF-8 bytes without Foundation: every delivery parses the several URLs of its payload.
struct RepositoryLocation: Sendable, Hashable, CustomStringConvertible {
    /// Empty for local repositories (`file://`, a path).
    let host: String
    /// Starts with `/`.
    let path: String

    var description: String { host + path }

    /// Nil when `url` names no repository (empty, or a host without a path).
    init?(_ url: String) {
        var text = Array(url.utf8)[...]
        while let first = text.first, Self.isSpace(first) { text.removeFirst() }
        while let last = text.last, Self.isSpace(last) { text.removeLast() }
        var authority: ArraySlice<UInt8>
        var path: ArraySlice<UInt8>
        var isFile = false
        if let scheme = Self.schemeEnd(text) {
            isFile = Self.lowered(text[..<scheme]) == "file"
            let rest = text[(scheme + 3)...]
            let slash = rest.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            authority = rest[..<slash]
            path = rest[slash...]
        } else if let colon = Self.scpColon(text) {
            // scp-like `[user@]host:path`.
            authority = text[..<colon]
            path = text[(colon + 1)...]
        } else {
            authority = []
            path = text
        }
        if let at = authority.lastIndex(of: UInt8(ascii: "@")) { authority = authority[(at + 1)...] }
        if authority.first == UInt8(ascii: "["), let close = authority.firstIndex(of: UInt8(ascii: "]")) {
            authority = authority[...close]  // [v6]:port
        } else if let colon = authority.lastIndex(of: UInt8(ascii: ":")) {
            authority = authority[..<colon]  // host:port
        }
        let slash = UInt8(ascii: "/")
        while path.last == slash { path.removeLast() }
        let capitals = UInt8(ascii: "A")...UInt8(ascii: "Z")
        if path.count > 4, path.suffix(4).map({ capitals.contains($0) ? $0 + 32 : $0 }).elementsEqual(".git".utf8) {
            path.removeLast(4)
        }
        while path.last == slash { path.removeLast() }
        while path.first == slash { path.removeFirst() }
        guard !path.isEmpty else { return nil }
        let host = Self.lowered(authority)
        self.host = isFile && host == "localhost" ? "" : host
        self.path = "/" + Self.lowered(path)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// The bytes as a string, ASCII letters in lower case (hosts are ASCII; punycode for the others).
    private static func lowered(_ bytes: ArraySlice<UInt8>) -> String {
        guard bytes.contains(where: { (0x41...0x5A).contains($0) }) else { return String(decoding: bytes, as: UTF8.self) }
        return String(decoding: bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, as: UTF8.self)
    }

    /// Where `://` starts, when it comes before any other slash.
    private static func schemeEnd(_ text: ArraySlice<UInt8>) -> Int? {
        var index = text.startIndex
        while index + 2 < text.endIndex {
            switch text[index] {
            case UInt8(ascii: "/"): return nil
            case UInt8(ascii: ":"):
                return text[index + 1] == UInt8(ascii: "/") && text[index + 2] == UInt8(ascii: "/") ? index : nil
            default: index += 1
            }
        }
        return nil
    }

    /// The colon of scp-like `[user@]host:path` (a bracketed IPv6 host may hold colons of its own); nil when a
    /// slash comes first, which makes it a local path.
    private static func scpColon(_ text: ArraySlice<UInt8>) -> Int? {
        var bracketed = false
        for index in text.indices {
            switch text[index] {
            case UInt8(ascii: "["): bracketed = true
            case UInt8(ascii: "]"): bracketed = false
            case UInt8(ascii: "/"): return nil
            case UInt8(ascii: ":") where !bracketed: return index == text.startIndex ? nil : index
            default: continue
            }
        }
        return nil
    }
}
