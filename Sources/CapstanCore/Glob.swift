/// A path glob matched against repository-relative paths.
///
/// `*` matches within one path segment, `**` (a whole segment) matches zero or more segments,
/// `?` one character other than `/`, `[abc]`, `[a-z]` and `[!a-z]` (or `[^a-z]`) one character of a set.
/// `\` escapes the next character. A pattern ending in `/` matches everything under that folder.
public struct Glob: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let pattern: String
    private let segments: [Segment]

    /// Why a pattern was refused.
    public struct SyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public init(_ pattern: String) throws(SyntaxError) {
        guard !pattern.isEmpty else { throw SyntaxError(message: "empty glob") }
        guard !pattern.hasPrefix("/") else {
            throw SyntaxError(message: "glob \"\(pattern)\" is absolute; globs are relative to the repository root")
        }
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        guard !parts.contains(where: { $0 == "." || $0 == ".." }) else {
            throw SyntaxError(message: "glob \"\(pattern)\" has a . or .. segment; globs are relative to the repository root")
        }
        var text = pattern
        if text.hasSuffix("/") { text += "**" }
        self.pattern = pattern
        self.segments = try text.split(separator: "/", omittingEmptySubsequences: true).map { raw throws(SyntaxError) in
            raw == "**" ? .anyDepth : .pattern(try Self.compile(Array(raw.unicodeScalars), in: pattern))
        }
    }

    public var description: String { pattern }

    public static func == (lhs: Glob, rhs: Glob) -> Bool { lhs.pattern == rhs.pattern }
    public func hash(into hasher: inout Hasher) { hasher.combine(pattern) }

    /// Whether `path` (repository-relative, no leading `/`) matches the whole pattern.
    public func matches(_ path: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { Array($0.unicodeScalars) }
        // reachable[j]: the pattern's first i segments can consume the path's first j segments.
        var reachable = [Bool](repeating: false, count: parts.count + 1)
        reachable[0] = true
        for segment in segments {
            var next = [Bool](repeating: false, count: parts.count + 1)
            switch segment {
            case .anyDepth:
                var seen = false
                for j in 0...parts.count {
                    seen = seen || reachable[j]
                    next[j] = seen
                }
            case .pattern(let tokens):
                for j in 0..<parts.count where reachable[j] && Self.match(tokens, parts[j]) {
                    next[j + 1] = true
                }
            }
            reachable = next
            if !reachable.contains(true) { return false }
        }
        return reachable[parts.count]
    }

    private enum Segment: Sendable {
        case anyDepth
        case pattern([Token])
    }

    private enum Token: Sendable {
        case literal(Unicode.Scalar)
        case any            // ?
        case star           // *
        case set([ClosedRange<Unicode.Scalar>], negated: Bool)

        func accepts(_ c: Unicode.Scalar) -> Bool {
            switch self {
            case .literal(let l): l == c
            case .any: true
            case .star: true
            case .set(let ranges, let negated): ranges.contains { $0.contains(c) } != negated
            }
        }
    }

    private static func compile(_ chars: [Unicode.Scalar], in pattern: String) throws(SyntaxError) -> [Token] {
        var tokens: [Token] = []
        var i = 0
        while i < chars.count {
            let c = chars[i]
            switch c {
            case "*":
                if case .star = tokens.last {} else { tokens.append(.star) }
            case "?": tokens.append(.any)
            case "\\":
                i += 1
                guard i < chars.count else { throw SyntaxError(message: "glob \"\(pattern)\" ends with a lone \\") }
                tokens.append(.literal(chars[i]))
            case "[":
                let (token, end) = try compileSet(chars, from: i + 1, in: pattern)
                tokens.append(token)
                i = end
            default: tokens.append(.literal(c))
            }
            i += 1
        }
        return tokens
    }

    /// Parses a `[...]` set starting after its `[`; returns the token and the index of its `]`.
    private static func compileSet(_ chars: [Unicode.Scalar], from start: Int, in pattern: String) throws(SyntaxError)
        -> (Token, Int)
    {
        var i = start
        var negated = false
        if i < chars.count, chars[i] == "!" || chars[i] == "^" {
            negated = true
            i += 1
        }
        var ranges: [ClosedRange<Unicode.Scalar>] = []
        var first = true
        while i < chars.count, chars[i] != "]" || first {
            first = false
            var low = chars[i]
            if low == "\\", i + 1 < chars.count { i += 1; low = chars[i] }
            if i + 2 < chars.count, chars[i + 1] == "-", chars[i + 2] != "]" {
                let high = chars[i + 2]
                guard low <= high else { throw SyntaxError(message: "glob \"\(pattern)\" has a reversed range \(low)-\(high)") }
                ranges.append(low...high)
                i += 3
            } else {
                ranges.append(low...low)
                i += 1
            }
        }
        guard i < chars.count else { throw SyntaxError(message: "glob \"\(pattern)\" has an unclosed [") }
        return (.set(ranges, negated: negated), i)
    }

    /// Matches one path segment against one pattern segment (`*` backtracking, linear in practice).
    private static func match(_ tokens: [Token], _ text: [Unicode.Scalar]) -> Bool {
        var t = 0, s = 0
        var starToken = -1, starText = 0
        while s < text.count {
            if t < tokens.count, case .star = tokens[t] {
                starToken = t
                starText = s
                t += 1
            } else if t < tokens.count, tokens[t].accepts(text[s]) {
                t += 1
                s += 1
            } else if starToken >= 0 {
                t = starToken + 1
                starText += 1
                s = starText
            } else {
                return false
            }
        }
        while t < tokens.count, case .star = tokens[t] { t += 1 }
        return t == tokens.count
    }
}
