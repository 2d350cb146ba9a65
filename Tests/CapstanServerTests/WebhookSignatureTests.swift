@testable import CapstanServer
import Foundation
import Testing

/// The signature schemes against their published vectors, and the constant-time comparison under them.
@Suite struct WebhookSignatureTests {
    /// GitHub's example in "Validating webhook deliveries".
    @Test func githubsPublishedVector() {
        let signature = Webhooks.signature(of: Data("Hello, World!".utf8), secret: "It's a Secret to Everybody")
        #expect(signature == "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17")
        let key = Array("It's a Secret to Everybody".utf8)
        #expect(WebhookSignature.matchesHex(signature, prefix: "sha256=", body: Data("Hello, World!".utf8), key: key))
        #expect(WebhookSignature.matchesHex(signature.uppercased().replacingOccurrences(of: "SHA256=", with: "sha256="),
                                            prefix: "sha256=", body: Data("Hello, World!".utf8), key: key))
        #expect(!WebhookSignature.matchesHex(signature, prefix: "sha256=", body: Data("Hello, World?".utf8), key: key))
        #expect(!WebhookSignature.matchesHex(signature, prefix: "sha256=", body: Data("Hello, World!".utf8),
                                             key: Array("It's a secret to everybody".utf8)))
        // Gitea's header is the bare hex.
        #expect(WebhookSignature.matchesHex(String(signature.dropFirst(7)), prefix: "", body: Data("Hello, World!".utf8),
                                            key: key))
    }

    @Test(arguments: ["", "sha256=", "sha1=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                      "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
                      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e1",
                      "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17ff",
                      "sha256=zz7107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"])
    func malformedSignaturesDoNotMatch(_ header: String) {
        #expect(!WebhookSignature.matchesHex(header, prefix: "sha256=", body: Data("Hello, World!".utf8),
                                             key: Array("It's a Secret to Everybody".utf8)))
    }

    /// The Standard Webhooks specification's example (the scheme of GitLab's signing tokens).
    @Test func standardWebhooksVector() {
        let secret = Array("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw".utf8)
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        #expect(WebhookSignature.matchesStandard(signature, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265330",
                                                 body: body, key: secret))
        // Several signatures (a secret being rotated): one match is enough.
        #expect(WebhookSignature.matchesStandard("v1,bm90IGl0 v2,xyz " + signature, id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                                 timestamp: "1614265330", body: body, key: secret))
        #expect(!WebhookSignature.matchesStandard(signature, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: "1614265331",
                                                  body: body, key: secret))
        #expect(!WebhookSignature.matchesStandard(signature, id: "msg_other", timestamp: "1614265330", body: body,
                                                  key: secret))
        #expect(!WebhookSignature.matchesStandard("v2," + signature.dropFirst(3), id: "msg_p5jXN8AQM9LWM0D4loKWxJek",
                                                  timestamp: "1614265330", body: body, key: secret))
    }

    @Test func constantTimeEqualityIsEquality() {
        let cases: [([UInt8], [UInt8], Bool)] = [
            ([], [], true), ([1], [1], true), ([1, 2, 3], [1, 2, 3], true),
            ([1, 2, 3], [1, 2, 4], false), ([9, 2, 3], [1, 2, 3], false), ([1, 2], [1, 2, 3], false),
            ([1, 2, 3], [1, 2], false), ([], [0], false), ([0], [], false), ([0, 0], [0], false),
            (Array(repeating: 7, count: 64), Array(repeating: 7, count: 64), true),
        ]
        for (a, b, equal) in cases {
            #expect(ConstantTime.equal(a, b) == equal, "\(a) vs \(b)")
            #expect(ConstantTime.equal(b, a) == equal, "\(b) vs \(a)")
        }
        #expect(ConstantTime.equal("secret".utf8, Array("secret".utf8)))
        #expect(!ConstantTime.equal("secret".utf8, "secreT".utf8))
    }

    /// Not a timing measurement (too noisy to assert), but the property that makes it constant-time: the loop
    /// runs over the whole longer input whatever the contents, so a first-byte difference costs what a
    /// last-byte one does. A count of bytes visited stands in for time.
    @Test func theComparisonVisitsEveryByte() {
        let secret = Array(repeating: UInt8(0x61), count: 32)
        var first = secret, last = secret
        first[0] = 0x62
        last[31] = 0x62
        #expect(!ConstantTime.equal(first, secret) && !ConstantTime.equal(last, secret))
        let clock = ContinuousClock()
        func time(_ guess: [UInt8]) -> Duration {
            clock.measure { for _ in 0..<20_000 { _ = ConstantTime.equal(guess, secret) } }
        }
        // The fastest of several runs each, so that a pause of the machine does not count.
        let early = (0..<5).map { _ in time(first) }.min()!, late = (0..<5).map { _ in time(last) }.min()!
        // Generous: an early-exit comparison would be many times faster on the first-byte difference.
        #expect(early * 4 > late, "first-byte difference \(early), last-byte \(late)")
    }

    @Test func hexDecoding() {
        #expect(ConstantTime.hexBytes("00ff7A") == [0x00, 0xff, 0x7a])
        #expect(ConstantTime.hexBytes("") == [])
        #expect(ConstantTime.hexBytes("abc") == nil)
        #expect(ConstantTime.hexBytes("0g") == nil)
        #expect(ConstantTime.hexBytes("é0") == nil)
    }

    @Test func gitlabSigningTokensAreBase64Keys() {
        #expect(WebhookSignature.standardKey(Array("whsec_AAEC".utf8)) == [0, 1, 2])
        #expect(WebhookSignature.standardKey(Array("plain".utf8)) == Array("plain".utf8))
        #expect(WebhookSignature.standardKey(Array("whsec_!!!".utf8)) == Array("whsec_!!!".utf8))
    }
}
