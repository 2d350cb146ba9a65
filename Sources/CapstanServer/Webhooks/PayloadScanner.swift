import Foundation

/// Reads the push payloads of GitHub, GitLab and Gitea: checks that the whole body is JSON and picks out the
/// few strings a refresh needs — top-level fields and fields of top-level objects — without building the rest.
///
/// A push payload is mostly what Capstan does not need (commits, the repository's hundred other fields):
/// `JSONDecoder` spends most of a delivery's time on it, this a fraction.
struct PayloadScanner {
    /// What a wanted field holds.
    enum Found: Equatable {
        case string(String)
        case object
        case null
        case other
    }

    enum Failure: Error {
        /// Not JSON, or nested deeper than ``maxDepth``.
        case notJSON
        /// JSON, but not an object.
        case notObject
    }

    /// What ``pick(_:top:nested:)`` found: top-level fields, and fields of the top-level objects named.
    struct Picked {
        var top: [String: Found] = [:]
        var nested: [String: [String: Found]] = [:]
    }

    static let maxDepth = 256

    /// The fields to pick, prepared once: top-level fields, and the fields of top-level objects.
    struct Shape: Sendable {
        let topKeys: [String]
        let topNames: [[UInt8]]
        let nested: [String: (fields: [String], names: [[UInt8]])]

        init(top: Set<String>, nested: [String: Set<String>]) {
            topKeys = Array(top.union(nested.keys))
            topNames = topKeys.map { Array($0.utf8) }
            self.nested = nested.mapValues { fields in (Array(fields), fields.map { Array($0.utf8) }) }
        }
    }

    /// The fields `shape` names.
    static func pick(_ body: Data, _ shape: Shape) throws(Failure) -> Picked {
        // JSON is UTF-8 (RFC 8259): a broken sequence would otherwise turn into U+FFFD in a picked URL or ref.
        guard String(validating: body, as: UTF8.self) != nil else { throw .notJSON }
        let topKeys = shape.topKeys, topNames = shape.topNames, nestedNames = shape.nested
        let result: Result<Picked, Failure> = body.withUnsafeBytes { bytes in
            var scanner = PayloadScanner(bytes: bytes)
            var picked = Picked()
            do {
                scanner.skipSpace()
                guard scanner.peek == UInt8(ascii: "{") else {
                    try scanner.value(depth: 0)  // a valid non-object is notObject, anything else notJSON
                    scanner.skipSpace()
                    return .failure(scanner.index == bytes.count ? .notObject : .notJSON)
                }
                try scanner.object(depth: 0, names: topNames) { scanner, match in
                    guard let match else { return try scanner.value(depth: 1) }
                    let key = topKeys[match]
                    guard let (fields, names) = nestedNames[key], scanner.peek == UInt8(ascii: "{") else {
                        picked.top[key] = try scanner.pickedValue(depth: 1)
                        return
                    }
                    picked.top[key] = .object
                    var found: [String: Found] = [:]
                    try scanner.object(depth: 1, names: names) { scanner, match in
                        guard let match else { return try scanner.value(depth: 2) }
                        found[fields[match]] = try scanner.pickedValue(depth: 2)
                    }
                    picked.nested[key] = found
                }
                scanner.skipSpace()
                guard scanner.index == bytes.count else { return .failure(.notJSON) }
                return .success(picked)
            } catch {
                return .failure(.notJSON)
            }
        }
        return try result.get()
    }

    private struct Invalid: Error {}

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skipSpace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func expect(_ byte: UInt8) throws {
        guard peek == byte else { throw Invalid() }
        index += 1
    }

    /// A value, read as a picked field: its text when it is a string.
    private mutating func pickedValue(depth: Int) throws -> Found {
        skipSpace()
        switch peek {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): try value(depth: depth); return .object
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: try value(depth: depth); return .other
        }
    }

    /// Checks and skips one value.
    private mutating func value(depth: Int) throws {
        guard depth < Self.maxDepth else { throw Invalid() }
        skipSpace()
        switch peek {
        case UInt8(ascii: "{"):
            // Skipped: its keys are checked, not made into strings.
            index += 1
            skipSpace()
            if peek == UInt8(ascii: "}") { index += 1; return }
            while true {
                skipSpace()
                try skipString()
                skipSpace()
                try expect(UInt8(ascii: ":"))
                try value(depth: depth + 1)
                skipSpace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"))
                return
            }
        case UInt8(ascii: "["):
            index += 1
            skipSpace()
            if peek == UInt8(ascii: "]") { index += 1; return }
            while true {
                try value(depth: depth + 1)
                skipSpace()
                if peek == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "]"))
                return
            }
        case UInt8(ascii: "\""): try skipString()
        case UInt8(ascii: "t"): try literal("true")
        case UInt8(ascii: "f"): try literal("false")
        case UInt8(ascii: "n"): try literal("null")
        default: try number()
        }
    }

    /// `{ "key": value, ... }`: `member` reads each value, the reader standing on it, told which of `names`
    /// its key is (nil: none). Keys are compared as bytes: no string is made of the many keys not wanted.
    private mutating func object(depth: Int, names: [[UInt8]], _ member: (inout PayloadScanner, Int?) throws -> Void)
        throws {
        guard depth < Self.maxDepth else { throw Invalid() }
        try expect(UInt8(ascii: "{"))
        skipSpace()
        if peek == UInt8(ascii: "}") { index += 1; return }
        while true {
            skipSpace()
            let (start, end, escaped) = try skipString()
            let match: Int?
            if escaped {
                let key = Array(try text(start, end, escaped: true).utf8)
                match = names.firstIndex(of: key)
            } else {
                let key = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                match = names.firstIndex { $0.count == key.count && $0.elementsEqual(key) }
            }
            skipSpace()
            try expect(UInt8(ascii: ":"))
            skipSpace()
            try member(&self, match)
            skipSpace()
            if peek == UInt8(ascii: ",") { index += 1; continue }
            try expect(UInt8(ascii: "}"))
            return
        }
    }

    private mutating func literal(_ word: StaticString) throws {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              (0..<count).allSatisfy({ bytes[index + $0] == word.utf8Start[$0] }) else { throw Invalid() }
        index += count
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    private mutating func number() throws {
        func digits() throws {
            guard let byte = peek, (0x30...0x39).contains(byte) else { throw Invalid() }
            while let byte = peek, (0x30...0x39).contains(byte) { index += 1 }
        }
        if peek == UInt8(ascii: "-") { index += 1 }
        if peek == UInt8(ascii: "0") { index += 1 } else { try digits() }
        if peek == UInt8(ascii: ".") { index += 1; try digits() }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            try digits()
        }
    }

    /// Skips a string; returns whether it holds escapes.
    @discardableResult
    private mutating func skipString() throws -> (start: Int, end: Int, escaped: Bool) {
        try expect(UInt8(ascii: "\""))
        let start = index
        var escaped = false
        while let byte = peek {
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return (start, index - 1, escaped)
            case UInt8(ascii: "\\"):
                escaped = true
                index += 1
                guard let next = peek else { throw Invalid() }
                if next == UInt8(ascii: "u") {
                    guard index + 4 < bytes.count,
                          (1...4).allSatisfy({ Self.isHex(bytes[index + $0]) }) else { throw Invalid() }
                    index += 5
                } else {
                    guard "\"\\/bfnrt".utf8.contains(next) else { throw Invalid() }
                    index += 1
                }
            case 0x00..<0x20: throw Invalid()
            default: index += 1
            }
        }
        throw Invalid()
    }

    /// A string's text; escapes (rare in the fields picked) go through `JSONDecoder`.
    private mutating func string() throws -> String {
        let (start, end, escaped) = try skipString()
        return try text(start, end, escaped: escaped)
    }

    private func text(_ start: Int, _ end: Int, escaped: Bool) throws -> String {
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
        guard escaped else { return String(decoding: raw, as: UTF8.self) }
        let quoted = Data([UInt8(ascii: "\"")] + Array(raw) + [UInt8(ascii: "\"")])
        guard let text = try? JSONDecoder().decode(String.self, from: quoted) else { throw Invalid() }
        return text
    }

    private static func isHex(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte)
    }
}
