import CapstanCore
@testable import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// What every fuzzed answer must be: a 2xx/3xx, or a 4xx whose body is the API's JSON error with a message.
enum APIFuzzCheck {
    static func problem(_ response: TestResponse, head: Bool = false) -> String? {
        let status = response.status.code
        if status >= 500 { return "status \(status): \(String(buffer: response.body).prefix(300))" }
        guard status >= 400, !head else { return nil }  // a HEAD answer has no body to check
        guard let error = try? response.apiError else {
            return "status \(status) without a JSON error body: \(String(buffer: response.body).prefix(300))"
        }
        return error.message.isEmpty || error.code.isEmpty ? "status \(status) with an empty code or message" : nil
    }
}

/// Requests with random methods, paths, path parameters, query strings and bodies through the API's router:
/// every answer passes ``APIFuzzCheck``, each within a second. (The event stream, which stays open by design,
/// is left out.)
@Suite struct APIFuzzTests {
    static let paths = [
        "/healthz", "/api/v1/apps", "/api/v1/apps/{}", "/api/v1/apps/{}/diff", "/api/v1/apps/{}/sync",
        "/api/v1/deployments", "/api/v1/deployments/{}", "/api/v1/deployments/{}/stages/{}/logs",
        "/api/v1/deployments/{}/rollback", "/api/v1/deployments/{}/cancel", "/api/v1/deployments/{}/approve",
        "/api/v1/deployments/{}/skip-stage", "/api/v1/events", "/api/v1/openapi.yaml", "/api/v2/apps", "/", "/api",
    ]
    static let parameters = ["checkout", "d-0004", "d-0001", "0", "-1", "99999999999999999999", "..", "%2e%2e", "%00",
                             "%zz", "%", "a%2Fb", "%C3%28", "%FF", "é", "x" + String(repeating: "y", count: 5000), ""]
    static let queryKeys = ["app", "state", "limit", "after", "deployment", "commit", "x", ""]
    static let bodies = [#"{"commit": "4f2a9c1"}"#, #"{"rollback": false}"#, "{}", "", "[]", "null"]

    /// One request, as bytes: `METHOD path?query\nbody`.
    static func request(_ rng: inout SplitMix64) -> [UInt8] {
        let method = rng.pick(["GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD"])
        var path = rng.pick(paths)
        while let hole = path.range(of: "{}") {
            path.replaceSubrange(hole, with: rng.chance(70) ? rng.pick(parameters) : percentEncoded(rng.pick(FuzzYAML.hostileScalars)))
        }
        var query: [String] = []
        for _ in 0..<rng.within(0...4) {
            let value = rng.chance(50) ? rng.pick(parameters) : percentEncoded(rng.pick(FuzzYAML.hostileScalars))
            query.append(rng.pick(queryKeys) + (rng.chance(90) ? "=" + value : ""))
        }
        let uri = path + (query.isEmpty ? "" : "?" + query.joined(separator: "&"))
        let body = rng.chance(50) ? Array(rng.pick(bodies).utf8)
            : FuzzMutator.mutate(Array(rng.pick(bodies).utf8), others: bodies.map { Array($0.utf8) }, rounds: 4, using: &rng)
        return Array("\(method) \(uri)\n".utf8) + body
    }

    static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
    }

    @Test func randomRequestsAreAnsweredWith2xxOr4xx() async throws {
        let store = try await Seed.store()
        let router = Router(context: CapstanRequestContext.self, options: [.autoGenerateHeadEndpoints])
        router.add(middleware: PosingPeer(address: try SocketAddress(ipAddress: "127.0.0.1", port: 50_000)))
        CapstanAPI.add(to: router, store: store, commands: RecordingCommands(), syncCommands: RefreshRecorder())
        var logger = Logger(label: "capstan-api-fuzz")
        logger.logLevel = .critical
        let report = try await Hummingbird.Application(router: router, logger: logger).test(.router) { client in
            await Fuzz.run("api.requests", count: 1_500, make: Self.request) { input in
                let newline = input.firstIndex(of: UInt8(ascii: "\n"))!
                let line = String(decoding: input[..<newline], as: UTF8.self).split(separator: " ", maxSplits: 1)
                let body = ByteBuffer(bytes: input[(newline + 1)...])
                do {
                    let response = try await client.execute(uri: String(line[1]), method: HTTPRequest.Method(String(line[0]))!,
                                                            headers: [:], body: body)
                    return APIFuzzCheck.problem(response, head: line[0] == "HEAD")
                } catch {
                    return "the request failed: \(error)"
                }
            }
        }
        for failure in report.failures.prefix(10) { Issue.record("\(failure)") }
        #expect(report.failures.isEmpty, "\(report)")
    }
}
