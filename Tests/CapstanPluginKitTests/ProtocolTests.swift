@testable import CapstanPluginKit
import Foundation
import Testing

/// Versions and the JSON-RPC envelope.
@Suite struct ProtocolTests {
    @Test(arguments: [("1.0", ProtocolVersion(major: 1, minor: 0)), ("1.12", ProtocolVersion(major: 1, minor: 12))])
    func versionsParse(text: String, version: ProtocolVersion) {
        #expect(ProtocolVersion(text) == version)
        #expect(version.description == text)
    }

    @Test(arguments: ["1", "1.0.0", "v1.0", "1.x", "", "-1.0", "1."])
    func malformedVersionsDoNot(text: String) {
        #expect(ProtocolVersion(text) == nil)
    }

    @Test(arguments: [("1.0", true), ("1.7", true), ("0.9", false), ("2.0", false)])
    func onlyTheSameMajorIsCompatible(text: String, compatible: Bool) throws {
        let version = try #require(ProtocolVersion(text))
        #expect(ProtocolVersion.current.isCompatible(with: version) == compatible)
    }

    @Test func errorCodesAreTheDocumentedOnes() {
        let codes = Dictionary(uniqueKeysWithValues: JSONRPCErrorCode.allCases.map { ($0.rawValue, "\($0)") })
        #expect(codes == [
            -32700: "parseError", -32600: "invalidRequest", -32601: "methodNotFound", -32602: "invalidParams",
            -32603: "internalError", -32000: "stageFailed", -32001: "notInitialized", -32002: "unsupportedProtocolVersion",
        ])
    }

    func kind(_ json: String) -> String {
        guard let envelope = try? WireCoding.decoder.decode(JSONRPCEnvelope.self, from: Data(json.utf8)) else { return "unreadable" }
        return switch envelope.kind {
        case .request(let id, let method): "request \(id) \(method)"
        case .notification(let method): "notification \(method)"
        case .result(let id): "result \(id)"
        case .errorResponse(let id, let error): "error \(id.map(\.description) ?? "null") \(error.code)"
        case nil: "invalid"
        }
    }

    @Test(arguments: [
        (#"{"jsonrpc":"2.0","id":3,"method":"liveState","params":{}}"#, "request 3 liveState"),
        (#"{"jsonrpc":"2.0","id":"x","method":"shutdown"}"#, #"request "x" shutdown"#),
        (#"{"jsonrpc":"2.0","method":"log","params":{}}"#, "notification log"),
        (#"{"jsonrpc":"2.0","id":4,"result":null}"#, "result 4"),
        (#"{"jsonrpc":"2.0","id":5,"error":{"code":-32601,"message":"no"}}"#, "error 5 -32601"),
        (#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"bad"}}"#, "error null -32700"),
        (#"{"jsonrpc":"1.0","id":1,"result":{}}"#, "invalid"),
        (#"{"jsonrpc":"2.0","id":1}"#, "invalid"),
        (#"[1,2]"#, "unreadable"),
        (#"hello"#, "unreadable"),
    ])
    func envelopesAreClassified(json: String, expected: String) {
        #expect(kind(json) == expected)
    }
}
