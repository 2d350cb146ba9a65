import CapstanCore
@testable import CapstanServer
import Foundation
import HTTPTypes
import Hummingbird
import Testing

/// The push payloads' reader accepts exactly JSON, and picks the fields asked for.
@Suite struct WebhookPayloadScannerTests {
    static let shape = PayloadScanner.Shape(top: ["ref", "after"], nested: ["repository": ["clone_url", "url"]])

    @Test func picksTopLevelAndNestedFields() throws {
        let body = #"""
            {"before": "x", "ref": "refs/heads/main", "commits": [{"ref": "no", "repository": {"url": "no"}}],
             "repository": {"owner": {"url": "no"}, "clone_url": "https://h/o/r.git", "url": null, "size": 3},
             "after": 7, "nested": {"deep": [[[{"ref": 1}]]]}}
            """#
        let picked = try PayloadScanner.pick(Data(body.utf8), Self.shape)
        #expect(picked.top == ["ref": .string("refs/heads/main"), "repository": .object, "after": .other])
        #expect(picked.nested == ["repository": ["clone_url": .string("https://h/o/r.git"), "url": .null]])
    }

    @Test func escapesAreDecodedInKeysAndValues() throws {
        let body = #"{"r\u0065f": "refs/heads/ma\u00efn\/x\"y", "repository": {"clone_url": "a\\b"}}"#
        let picked = try PayloadScanner.pick(Data(body.utf8), Self.shape)
        #expect(picked.top["ref"] == .string(#"refs/heads/maïn/x"y"#))
        #expect(picked.nested["repository"]?["clone_url"] == .string(#"a\b"#))
    }

    /// RFC 8259 JSON, and nothing else. (Foundation's `JSONDecoder` also takes trailing commas; GitHub, GitLab and
    /// Gitea never send them, so refusing them costs nothing.)
    static let valid = [
        "{}", " {} ", "{\"a\": [1, -2.5e+3, 0, 0.1, 1E5, true, false, null, \"s\", {}, []]}", #"{"a": "\ud83d\ude00"}"#,
        "{\"a\": {\"b\": {\"c\": [{}]}}}", "\n{\"a\"\t:\r1}\n",
    ]
    static let invalid = [
        "", " ", "{", "}", "{\"a\"}", "{\"a\": }", "{\"a\": 1,}", "{\"a\": [1,]}", "{\"a\": 01}", "{\"a\": -}",
        "{\"a\": 1.}", "{\"a\": .5}", "{\"a\": 1e}", "{\"a\": tru}", "{\"a\": nul}", "{\"a\": \"x}", "{\"a\": \"\\x\"}",
        "{\"a\": \"\\u12\"}", "{\"a\": \"\u{01}\"}", "{a: 1}", "{\"a\": 1} x", "{\"a\": 1}{}", "{'a': 1}", "{\"a\": +1}",
        "{\"a\": [}", "{\"a\": NaN}", "{\"a\" 1}", "{\"a\": 1 \"b\": 2}",
    ]

    @Test(arguments: valid)
    func acceptsJSON(_ document: String) throws {
        _ = try PayloadScanner.pick(Data(document.utf8), Self.shape)
        #expect((try? JSONDecoder().decode(JSONValue.self, from: Data(document.utf8))) != nil, "Foundation agrees")
    }

    @Test(arguments: invalid)
    func refusesWhatIsNotJSON(_ document: String) {
        #expect(throws: PayloadScanner.Failure.notJSON) { try PayloadScanner.pick(Data(document.utf8), Self.shape) }
    }

    @Test(arguments: ["[]", "[1, 2]", "\"text\"", "7", "null", "true"])
    func jsonThatIsNotAnObjectIsSaidSo(_ document: String) {
        #expect(throws: PayloadScanner.Failure.notObject) { try PayloadScanner.pick(Data(document.utf8), Self.shape) }
    }

    @Test func nestingIsBounded() {
        let deep = "{\"a\": " + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}"
        #expect(throws: PayloadScanner.Failure.notJSON) { try PayloadScanner.pick(Data(deep.utf8), Self.shape) }
        let fine = "{\"a\": " + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}"
        #expect((try? PayloadScanner.pick(Data(fine.utf8), Self.shape)) != nil)
    }

    /// The answers are the API's JSON: what `JSONEncoder` with sorted keys would write.
    @Test(arguments: ["refreshing apps", #"no repository is at https://h/o"r\x"#, "tab\tnew\nline\u{01}\u{1F}\u{7F}", "é ✓ 😀", ""])
    func answersAreTheAPIsJSON(_ message: String) throws {
        struct Mirror: Encodable {
            let refreshed: [String]
            let message: String
        }
        let view = WebhookResultView(refreshed: ["apps", "infra"], message: message)
        let expected = try APIJSON.encoder().encode(Mirror(refreshed: ["apps", "infra"], message: message))
        #expect(view.json == String(decoding: expected, as: UTF8.self))
        let response = view.response(status: .accepted)
        #expect(response.headers[.contentLength] == String(expected.count))
    }
}
