import Crypto
import Foundation

/// The API's bearer tokens: how they are made, hashed and compared.
///
/// A token is `capstan_` and 32 random bytes in base64url (43 characters). Only its SHA-256 is kept;
/// 256 random bits need no salt or slow hash, since there is nothing to guess from the hash.
public enum BearerToken {
    /// Every token starts with this, so that secret scanners and people can tell what it is.
    public static let prefix = "capstan_"

    /// A new token from the system's cryptographic random source.
    public static func generate() -> String {
        var random = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &random) }
        return prefix + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The token's SHA-256, as the tokens file keeps it: 64 lower-case hex digits.
    public static func sha256Hex(_ token: String) -> String {
        digest(token).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    /// The token's SHA-256 bytes.
    static func digest(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// 64 hex digits as 32 bytes; nil for anything else.
    static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    /// Whether `a` and `b` hold the same bytes, reading every byte whatever the first difference, so the
    /// time taken tells nothing about how much of a guess was right.
    static func constantTimeEqual<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// The token of an `Authorization: Bearer <token>` value (the scheme in any case); nil for any other
    /// scheme or an empty token.
    static func fromAuthorization(_ value: String) -> String? {
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
