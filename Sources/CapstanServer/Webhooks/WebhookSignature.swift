import Crypto
import Foundation

/// The signature schemes of the providers, all HMAC-SHA256, checked in constant time.
enum WebhookSignature {
    /// HMAC-SHA256 under `key` of `parts`, one after the other.
    static func hmac(key: [UInt8], _ parts: Data...) -> [UInt8] {
        var code = HMAC<SHA256>(key: SymmetricKey(data: key))
        for part in parts { code.update(data: part) }
        return Array(code.finalize())
    }

    /// SHA-256 of `bytes`: what GitLab's plain token is compared as, so that both sides have one length.
    static func digest(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// `sha256=<hex>` (GitHub, Bitbucket, generic) — or bare `<hex>` when `prefix` is empty (Gitea) — over `body`.
    static func matchesHex(_ header: String, prefix: String, body: Data, key: [UInt8]) -> Bool {
        guard header.hasPrefix(prefix), let given = ConstantTime.hexBytes(header.dropFirst(prefix.count)) else {
            return false
        }
        return ConstantTime.equal(given, hmac(key: key, body))
    }

    /// Standard Webhooks (GitLab's signing token): `webhook-signature` holds space-separated `v1,<base64>`
    /// entries, each an HMAC of `<webhook-id>.<webhook-timestamp>.<body>`; one match is enough.
    static func matchesStandard(_ signatures: String, id: String, timestamp: String, body: Data, key: [UInt8]) -> Bool {
        let expected = hmac(key: standardKey(key), Data("\(id).\(timestamp).".utf8), body)
        var matched = false
        for entry in signatures.split(separator: " ") where entry.hasPrefix("v1,") {
            // Every entry is compared, so the time does not tell which one matched.
            if let given = Data(base64Encoded: String(entry.dropFirst(3))), ConstantTime.equal(given, expected) {
                matched = true
            }
        }
        return matched
    }

    /// The HMAC key of a Standard Webhooks secret: `whsec_<base64>` is the decoded bytes (how GitLab hands
    /// out signing tokens); any other secret is used as it is.
    static func standardKey(_ secret: [UInt8]) -> [UInt8] {
        let prefix = Array("whsec_".utf8)
        guard secret.starts(with: prefix),
              let decoded = Data(base64Encoded: Data(secret.dropFirst(prefix.count))), !decoded.isEmpty
        else { return secret }
        return Array(decoded)
    }

    /// `sha256=` and the hex HMAC of `body`: what a sender puts in `X-Hub-Signature-256` or `X-Capstan-Signature`.
    static func sign(_ body: Data, key: [UInt8]) -> String {
        "sha256=" + hmac(key: key, body).map { String(format: "%02x", $0) }.joined()
    }
}
