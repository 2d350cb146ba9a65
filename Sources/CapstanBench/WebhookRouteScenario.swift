import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import Logging

/// What the webhook route costs a server: the real Hummingbird app on loopback, driven by `wrk` with a signed
/// GitHub push (HMAC check, JSON read, repository match, a refresh through a no-op ``SyncCommands``), against a
/// bare `POST /bench/bare` of the same server that reads the same body and answers 202 with nothing else.
///
/// The two sides take turns: `rounds` one-second `wrk -t2 -c16` runs of each, alternating, after a warm-up, so
/// that a change in the machine's load (other builds, other benches) weighs on both alike. Each side's samples
/// are wrk's latency percentiles 1–100 of each of its runs, so the table's median and p99 are close to wrk's.
/// Requests per second — what the goal is about, at least half the bare route's — are printed beside it.
struct WebhookRouteScenario: Scenario {
    let name = "signed GitHub webhook route vs a bare route, wrk -t2 -c16"
    let goal = "≥ 0.5x the bare route's requests/s"
    /// Unused: each side is one timed wrk run.
    let iterations = 1

    static let secret = "bench-webhook-secret"
    /// One-second runs of each side, alternating.
    static let rounds = 5

    private var server: Task<Void, any Error>?
    private var port = 0
    private var folder: URL?

    mutating func prepare() async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.wrk) else {
            throw BenchError("\(Self.wrk) is missing: run `make deps` (it installs wrk)")
        }
        let config = ServerConfig(
            repositories: [RepositoryConfig(name: "hello", url: "git@github.com:codertocat/hello-world.git")],
            webhooks: WebhookConfig(providers: [.github: .secret(.inline(Self.secret))]))
        let settings = try WebhookSettings(config) { _ in "" }
        let router = CapstanAPI.router(store: MemoryDeploymentStore(), syncCommands: NoSync(), webhooks: settings)
        router.post("/bench/bare") { request, _ in
            _ = try await request.body.collect(upTo: settings.maxBodyBytes)
            return Response(status: .accepted, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"message":"bare","refreshed":[]}"#)))
        }
        var logger = Logger(label: "capstan-bench-webhooks")
        // Critical only: stopping the server at the end logs its cancellation as an error.
        logger.logLevel = .critical
        let (ports, bound) = AsyncStream.makeStream(of: Int.self)
        let app = Hummingbird.Application(
            router: router, configuration: ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in bound.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        // The bench is an executable, not a library: the server runs beside the wrk runs and is cancelled in tearDown.
        server = Task { try await app.run() }
        guard let port = await ports.first(where: { _ in true }), port > 0 else { throw BenchError("the server did not start") }
        self.port = port

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-bench-webhooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        self.folder = folder
        let body = Data(Self.payload.utf8)
        let signature = Webhooks.signature(of: body, secret: Self.secret)
        try Self.script(body: body, headers: ["X-GitHub-Event": "push", "X-Hub-Signature-256": signature])
            .write(to: folder.appendingPathComponent("post.lua"), atomically: true, encoding: .utf8)
        // Check both routes answer 202 (and that the signature is right) before timing them.
        for path in ["/webhooks/github", "/bench/bare"] {
            let result = try run(path, seconds: 1)
            guard result.requests > 0, result.failures == 0 else {
                throw BenchError("\(path): \(result.failures) of \(result.requests) requests were not 2xx")
            }
        }
    }

    func ours() async throws {}
    func baseline() async throws {}

    /// Runs both sides, alternating, when asked for ours; hands out the baseline's runs when asked for it.
    func samples(_ side: Side, warmup: Int, iterations: Int) async throws -> [Duration] {
        if side == .ours {
            let paths = ["/webhooks/github", "/bench/bare"]
            for path in paths { _ = try run(path, seconds: 1) }
            var runs: [Side: [Run]] = [:]
            for _ in 0..<Self.rounds {
                for (path, side) in zip(paths, [Side.ours, .baseline]) {
                    let result = try run(path, seconds: 1)
                    guard result.failures == 0 else { throw BenchError("\(path): \(result.failures) requests were not 2xx") }
                    runs[side, default: []].append(result)
                }
            }
            Self.results.record(runs)
        }
        let runs = Self.results.runs(side)
        let requests = runs.map(\.requests).reduce(0, +), seconds = runs.map(\.seconds).reduce(0, +)
        let samples = runs.flatMap(\.percentiles).sorted()
        print(String(format: "  %@: %.0f requests/s over %d runs, p50 %.3f ms, p99 %.3f ms", side == .ours ? "webhook" : "bare",
                     Double(requests) / max(seconds, 0.001), runs.count, Timing(samples.map { .microseconds($0) }).medianMs,
                     Timing(samples.map { .microseconds($0) }).p99Ms))
        return samples.map { .microseconds($0) }
    }

    mutating func tearDown() async {
        server?.cancel()
        _ = try? await server?.value
        server = nil
        if let folder { try? FileManager.default.removeItem(at: folder) }
    }

    var measuredThroughput: Report.Throughput? {
        Self.results.perSecond.map { Report.Throughput(unit: "requests", oursPerSecond: $0.ours, baselinePerSecond: $0.bare) }
    }

    // MARK: wrk

    static let wrk = "/usr/bin/wrk"

    struct Run {
        var requests = 0, failures = 0
        var seconds = 0.0
        /// Latency percentiles 1–100 in microseconds.
        var percentiles: [Int] = []
    }

    /// One `wrk -t2 -c16 -dNs` run of `path`; the script's `done` prints the figures it is read from.
    private func run(_ path: String, seconds: Int) throws -> Run {
        guard let folder else { throw BenchError("not prepared") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.wrk)
        process.arguments = ["-t2", "-c16", "-d\(seconds)s", "-s", folder.appendingPathComponent("post.lua").path,
                             "http://127.0.0.1:\(port)\(path)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("wrk exited \(process.terminationStatus):\n\(output)") }
        var run = Run()
        for line in output.split(separator: "\n") where line.hasPrefix("CAPSTAN ") {
            let fields = line.dropFirst(8).split(separator: "=")
            guard fields.count == 2 else { continue }
            switch fields[0] {
            case "requests": run.requests = Int(fields[1]) ?? 0
            case "failures": run.failures = Int(fields[1]) ?? 0
            case "seconds": run.seconds = Double(fields[1]) ?? 0
            default: run.percentiles.append(Int(fields[1]) ?? 0)
            }
        }
        guard run.percentiles.count == 100 else { throw BenchError("cannot read wrk's output:\n\(output)") }
        return run
    }

    /// POSTs `body` with `headers`; reports requests, non-2xx answers and socket errors, and latency percentiles.
    static func script(body: Data, headers: [String: String]) -> String {
        func quoted(_ text: String) -> String {
            "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n") + "\""
        }
        let fields = (headers.merging(["Content-Type": "application/json"]) { a, _ in a }).sorted { $0.key < $1.key }
            .map { "wrk.headers[\(quoted($0.key))] = \(quoted($0.value))" }.joined(separator: "\n")
        return """
            wrk.method = "POST"
            wrk.body = \(quoted(String(decoding: body, as: UTF8.self)))
            \(fields)
            done = function(summary, latency, requests)
              local e = summary.errors
              io.write(string.format("CAPSTAN requests=%d\\n", summary.requests))
              io.write(string.format("CAPSTAN failures=%d\\n", e.status + e.connect + e.read + e.write + e.timeout))
              io.write(string.format("CAPSTAN seconds=%.6f\\n", summary.duration / 1e6))
              for p = 1, 100 do io.write(string.format("CAPSTAN p%d=%d\\n", p, latency:percentile(p))) end
            end

            """
    }

    /// Both sides' runs, made when ours is asked for and kept for the baseline's turn.
    static let results = Results()

    final class Results: @unchecked Sendable {
        private let lock = NSLock()
        private var bySide: [Side: [Run]] = [:]

        func record(_ runs: [Side: [Run]]) { lock.withLock { bySide = runs } }
        func runs(_ side: Side) -> [Run] { lock.withLock { bySide[side] ?? [] } }

        /// Both routes' requests per second over all their runs.
        var perSecond: (ours: Double, bare: Double)? {
            func perSecond(_ runs: [Run]) -> Double {
                Double(runs.map(\.requests).reduce(0, +)) / max(runs.map(\.seconds).reduce(0, +), 0.001)
            }
            let ours = runs(.ours), bare = runs(.baseline)
            guard !ours.isEmpty, !bare.isEmpty else { return nil }
            return (perSecond(ours), perSecond(bare))
        }
    }

    /// A GitHub push as GitHub sends it (trimmed): the route parses every byte of it.
    static let payload = #"""
        {"ref":"refs/heads/main","before":"6113728f27ae82c7b1a177c8d03f9e96e0adf246","after":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","created":false,"deleted":false,"forced":false,"base_ref":null,"compare":"https://github.com/Codertocat/Hello-World/compare/6113728f27ae...0d1a26e67d8f","commits":[{"id":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","tree_id":"f9d2a07e9488b91af2641b26b9407fe22a451433","distinct":true,"message":"Update README.md","timestamp":"2019-05-15T15:20:30-05:00","url":"https://github.com/Codertocat/Hello-World/commit/0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","author":{"name":"Codertocat","email":"21031067+Codertocat@users.noreply.github.com","username":"Codertocat"},"committer":{"name":"GitHub","email":"noreply@github.com","username":"web-flow"},"added":[],"removed":[],"modified":["README.md"]}],"head_commit":{"id":"0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c","message":"Update README.md","timestamp":"2019-05-15T15:20:30-05:00"},"repository":{"id":186853002,"node_id":"MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=","name":"Hello-World","full_name":"Codertocat/Hello-World","private":false,"owner":{"name":"Codertocat","login":"Codertocat","id":21031067,"type":"User","site_admin":false},"html_url":"https://github.com/Codertocat/Hello-World","description":null,"fork":false,"url":"https://github.com/Codertocat/Hello-World","created_at":1557933565,"updated_at":"2019-05-15T15:20:41Z","pushed_at":1557933657,"git_url":"git://github.com/Codertocat/Hello-World.git","ssh_url":"git@github.com:Codertocat/Hello-World.git","clone_url":"https://github.com/Codertocat/Hello-World.git","svn_url":"https://github.com/Codertocat/Hello-World","homepage":null,"size":0,"default_branch":"main","visibility":"public"},"pusher":{"name":"Codertocat","email":"21031067+Codertocat@users.noreply.github.com"},"sender":{"login":"Codertocat","id":21031067,"type":"User","site_admin":false}}
        """#
}

/// Refreshes nothing: the bench times the route, not a fetch.
struct NoSync: SyncCommands {
    func sync(app: String, commit: String?, by actor: String) async throws -> Deployment {
        throw StoreError.notFound("no application \(app)")
    }

    func refresh(repositories: [String]) async {}
}
