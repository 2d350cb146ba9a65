import CapstanAnalysis
import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// Foundation has a `Measurement` too; here the name means the provider's.
private typealias Measurement = CapstanAnalysis.Measurement

/// The HTTP provider, and what the Prometheus provider sends (credentials, redirects), against a
/// scripted loopback server (python3's http.server) shared by the suite.
@Suite(.scriptedServer) struct ProviderHTTPTests {
    private var server: ScriptedServer.Running { ScriptedServer.current! }
    private let provider = HTTPMetricProvider(timeout: .seconds(5))

    /// `/status/<code>?body=<body>`: the server answers that status with that body.
    private func url(_ status: Int, body: String = "") -> String {
        var components = URLComponents(string: "\(server.base)/status/\(status)")!
        if !body.isEmpty { components.queryItems = [URLQueryItem(name: "body", value: body)] }
        return components.string!
    }

    @Test(arguments: [200, 204])
    func aSuccessWithoutAPathMeasuresOne(status: Int) async throws {
        #expect(try await provider.measure(url(status), at: Date()) == .value(1))
    }

    @Test(arguments: [
        (503, ProviderError.Kind.unavailable, "HTTP 503 from"), (500, .unavailable, "down for maintenance"),
        (404, .badQuery, "HTTP 404 from"), (401, .badQuery, "HTTP 401"),
    ])
    func otherStatusesAreErrorsNotMeasurements(status: Int, kind: ProviderError.Kind, message: String) async {
        await #expect {
            try await provider.measure(url(status, body: "down for maintenance"), at: Date())
        } throws: { error in
            guard let error = error as? ProviderError, error.kind == kind, error.message.contains(message) else {
                Issue.record("got \(error)")
                return false
            }
            // The URL's query string is left out of messages: it may carry a token.
            return !error.message.contains("body=")
        }
    }

    @Test func redirectsAreNotFollowed() async {
        await #expect {
            try await provider.measure("\(server.base)/redirect", at: Date())
        } throws: { error in
            (error as? ProviderError).map { $0.kind == .badQuery && $0.message.contains("redirects are not followed") } ?? false
        }
    }

    @Test(arguments: [
        (#"{"data":{"items":[{"value":3.5}]}}"#, "data.items[0].value", Measurement.value(3.5)),
        (#"{"data":{"items":[{"value":-2}]}}"#, "$.data.items[0].value", .value(-2)),
        ("42", "$", .value(42)),
        (#"{"data":{"items":[]}}"#, "data.items[0].value", .noData("jsonPath data.items[0].value: $.data.items has 0 items, no [0]")),
        (#"{"data":{}}"#, "data.items", .noData("jsonPath data.items: $.data has no \"items\"")),
        (#"{"value":"3.5"}"#, "value", .noData("jsonPath value: the value is the string \"3.5\", not a number")),
        (#"{"value":true}"#, "value", .noData("jsonPath value: the value is the boolean true, not a number")),
        (#"{"value":null}"#, "value", .noData("jsonPath value: the value is null, not a number")),
    ])
    func aNumberAtAJSONPath(body: String, path: String, expected: CapstanAnalysis.Measurement) async throws {
        #expect(try await provider.measure(url(200, body: body), jsonPath: path, at: Date()) == expected)
    }

    @Test func theJSONPathReachesTheProviderThroughThePort() async throws {
        let port: any MetricProvider = provider
        #expect(try await port.measure(url(200, body: #"{"n":5}"#), jsonPath: "n", at: Date()) == .value(5))
        let prometheus: any MetricProvider = PrometheusProvider(url: URL(string: server.base)!)
        await #expect {
            try await prometheus.measure("vector(1)", jsonPath: "n", at: Date())
        } throws: { error in
            (error as? ProviderError)?.kind == .badQuery
        }
    }

    @Test(arguments: [
        ("not json", "data", ProviderError.Kind.badResponse),
        (#"{"n":1}"#, "a..b", .badQuery),
    ])
    func unreadableAnswersAndPaths(body: String, path: String, kind: ProviderError.Kind) async {
        await #expect {
            try await provider.measure(url(200, body: body), jsonPath: path, at: Date())
        } throws: { error in
            (error as? ProviderError)?.kind == kind
        }
    }

    @Test(arguments: ["not a url", "ftp://127.0.0.1/x", "/status/200", "http:///nohost"])
    func theQueryMustBeAnHTTPURL(query: String) async {
        await #expect {
            try await provider.measure(query, at: Date())
        } throws: { error in
            (error as? ProviderError)?.kind == .badQuery
        }
    }

    @Test func thereIsNoHistory() async {
        await #expect {
            try await provider.measureRange(url(200), from: Date().addingTimeInterval(-60), to: Date(), step: .seconds(10))
        } throws: { error in
            (error as? ProviderError)?.kind == .badQuery
        }
    }

    @Test func aServerThatNeverAnswersIsUnavailableAfterTheTimeout() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let provider = HTTPMetricProvider(timeout: .seconds(1))
        let started = ContinuousClock.now
        await #expect {
            try await provider.measure("http://127.0.0.1:\(silent.port)/health", at: Date())
        } throws: { error in
            (error as? ProviderError)?.kind == .unavailable
        }
        let elapsed = ContinuousClock.now - started
        // The upper bound only shows the call does not hang: a loaded CI machine adds seconds.
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(10), "\(elapsed)")
    }

    // MARK: Prometheus credentials (the server plays a Prometheus that checks the Authorization header)

    @Test(arguments: [
        ProviderCredentials.bearer(token: .environment("PROM_TOKEN")),
        .basic(username: "capstan", password: .file("/secrets/prom")),
    ])
    func credentialsAreSentAndNeverShown(credentials: ProviderCredentials) async throws {
        let secrets: [SecretSource: String] = [.environment("PROM_TOKEN"): "s3cret-token", .file("/secrets/prom"): "pa55word"]
        let config = AnalysisProviderConfig(name: "prom", kind: .prometheus, url: server.base, credentials: credentials)
        let provider = try MetricProviders.make(config) { source in try #require(secrets[source]) }
        #expect(try await provider.measure("vector(7)", at: Date()) == .value(7))

        var dumped = ""
        dump(provider, to: &dumped)
        for text in [String(describing: provider), String(reflecting: provider), dumped] {
            #expect(!text.contains("s3cret") && !text.contains("pa55") && !text.contains("Y2Fwc3RhbjpwYTU1d29yZA"), "\(text)")
        }
    }

    @Test func withoutCredentialsTheServerRefusesAndTheErrorShowsNoSecret() async throws {
        let provider = PrometheusProvider(url: URL(string: server.base)!, authorization: .bearer("wrong-token"))
        await #expect {
            try await provider.measure("vector(7)", at: Date())
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.kind == .unavailable && error.message.contains("HTTP 401") && !error.message.contains("wrong-token")
        }
    }

    @Test func credentialsDoNotFollowARedirect() async throws {
        let provider = PrometheusProvider(url: URL(string: "\(server.base)/redirect")!, authorization: .bearer("s3cret-token"))
        await #expect {
            try await provider.measure("vector(7)", at: Date())
        } throws: { error in
            (error as? ProviderError).map { $0.message.contains("HTTP 307") } ?? false
        }
        // The server counts requests that reached the redirect's target.
        #expect(try await self.provider.measure("\(server.base)/hits", jsonPath: "leak", at: Date()) == .value(0))
    }
}

/// python3's http.server with a few routes, started once around a suite.
struct ScriptedServer: SuiteTrait, TestScoping {
    @TaskLocal static var current: Running?

    /// The running server.
    struct Running: Sendable {
        let base: String
    }

    struct DidNotStart: Error {
        let log: String
    }

    static let script = #"""
        import http.server, json, os, sys, urllib.parse
        hits = {"leak": 0}
        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self, code, body, headers=()):
                data = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            def do_GET(self):
                url = urllib.parse.urlparse(self.path)
                query = dict(urllib.parse.parse_qsl(url.query))
                parts = url.path.strip("/").split("/")
                if parts[0] == "status":
                    self.answer(int(parts[1]), query.get("body", ""))
                elif parts[0] == "redirect":
                    self.answer(302, "", [("Location", "/status/200")])
                elif parts[0] == "hits":
                    self.answer(200, json.dumps(hits))
                else:
                    self.answer(404, "no such route")
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path.startswith("/redirect/"):
                    self.answer(307, "", [("Location", self.path.replace("/redirect/", "/leak/", 1))])
                    return
                if self.path.startswith("/leak/"):
                    hits["leak"] += 1
                if self.headers.get("Authorization", "") not in os.environ["EXPECT_AUTH"].split("|"):
                    self.answer(401, "Unauthorized")
                    return
                self.answer(200, json.dumps({"status": "success", "data": {"resultType": "scalar", "result": [1, "7"]}}))
            def log_message(self, *args):
                pass
        http.server.ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
        """#

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void)
        async throws
    {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-http-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let script = folder.appendingPathComponent("server.py")
        try Data(Self.script.utf8).write(to: script)
        let port = try LoopbackTCP.freePort()
        var environment = ProcessInfo.processInfo.environment
        environment["EXPECT_AUTH"] = "Bearer s3cret-token|Basic " + Data("capstan:pa55word".utf8).base64EncodedString()
        let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : "python3"
        let process = try BackgroundProcess(executable: python, arguments: [script.path, String(port)],
                                            environment: environment, logPath: folder.appendingPathComponent("log").path)
        defer { process.stop() }
        let deadline = ContinuousClock.now.advanced(by: .seconds(10))
        while !LoopbackTCP.isAccepting(port: port) {
            guard process.isRunning, ContinuousClock.now < deadline else {
                throw DidNotStart(log: process.log())
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        try await Self.$current.withValue(Running(base: "http://127.0.0.1:\(port)"), operation: function)
    }
}

extension Trait where Self == ScriptedServer {
    /// A scripted HTTP server for the suite, as `ScriptedServer.current`.
    static var scriptedServer: Self { Self() }
}
