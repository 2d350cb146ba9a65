import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanTesting
import Foundation
import Synchronization

/// No-change polls: 1,000 repositories served by a local `git daemon` over loopback, each already mirrored
/// and reconciled at its head, polled once each by the engine's real poll path — `RepositoryReconciler`
/// over a `GitMirror` (libgit2 fetch, then the unchanged-head short-circuit) — at most `concurrency` at a
/// time. The baseline is `git ls-remote` of the same 1,000 repositories as subprocesses, at the same
/// concurrency.
///
/// One op is the whole pass of 1,000 polls. Bytes are counted by a ``CountingTCPProxy`` that every
/// connection of both sides goes through (its relay costs both sides the same hop).
struct PollScenario: Scenario {
    let name = "polls: 1,000 repositories with no new commit over git daemon"
    let goal = "1,000 polls < 10 s"
    /// Two timed passes of 1,000 polls (after one untimed): a pass of ours takes minutes while polls are slow.
    let iterations = 2
    /// 1,000, or `CAPSTAN_BENCH_POLL_REPOSITORIES` (for a quick look).
    static let repositories = ProcessInfo.processInfo.environment["CAPSTAN_BENCH_POLL_REPOSITORIES"].flatMap { Int($0) } ?? 1_000
    /// Polls in flight at once, on both sides.
    static let concurrency = 16

    var itemsPerOp: (count: Int, unit: String)? { (Self.repositories, "polls") }

    private var fixture: PollFixture?

    var notes: [String: Double] { fixture?.notes.withLock { $0 } ?? [:] }

    mutating func prepare() async throws {
        var started = ContinuousClock.now
        let fixture = try PollFixture(repositories: Self.repositories)
        self.fixture = fixture
        print("  made \(Self.repositories) repositories in \(ContinuousClock.now - started)")
        // The first reconcile of each repository clones its mirror and records its one application.
        started = ContinuousClock.now
        try await Self.forEach(fixture.reconcilers) { reconciler in
            let outcome = try await reconciler.reconcile()
            guard outcome.error == nil, outcome.created.count == 1, !outcome.unchanged else {
                throw BenchError("first reconcile of \(await reconciler.repository.name): \(outcome)")
            }
        }
        print("  cloned and reconciled \(Self.repositories) repositories in \(ContinuousClock.now - started)")
    }

    func ours() async throws {
        guard let fixture else { throw BenchError("not prepared") }
        try await Self.forEach(fixture.reconcilers) { reconciler in
            let outcome = try await reconciler.reconcile()
            guard outcome.unchanged, outcome.error == nil, outcome.created.isEmpty else {
                throw BenchError("a no-change poll of \(await reconciler.repository.name) did not short-circuit: \(outcome)")
            }
        }
    }

    func baseline() async throws {
        guard let fixture else { throw BenchError("not prepared") }
        try await Self.forEach(fixture.urls) { url in
            let status = try await Self.lsRemote(url)
            guard status == 0 else { throw BenchError("git ls-remote \(url) exited with \(status)") }
        }
    }

    /// One untimed pass at most (a pass is 1,000 polls), then the timed ones; notes the bytes per poll.
    func samples(_ side: Side, warmup: Int, iterations: Int) async throws -> [Duration] {
        guard let fixture else { throw BenchError("not prepared") }
        let body: () async throws -> Void = {
            switch side {
            case .ours: try await ours()
            case .baseline: try await baseline()
            }
        }
        for _ in 0..<min(warmup, 1) { try await body() }
        let before = fixture.proxy.counts
        let durations = try await measure(warmup: 0, iterations: iterations, body)
        let after = fixture.proxy.counts
        let polls = Double(iterations * Self.repositories)
        let sent = Double(after.sent - before.sent) / polls
        let received = Double(after.received - before.received) / polls
        let connections = Double(after.connections - before.connections) / polls
        let key = side == .ours ? "ours" : "baseline"
        fixture.notes.withLock {
            $0["\(key)_bytes_sent_per_poll"] = sent
            $0["\(key)_bytes_received_per_poll"] = received
            $0["\(key)_connections_per_poll"] = connections
        }
        print(String(format: "  %@: %.0f bytes sent + %.0f received per poll (%.2f connections), through the counting proxy",
                     side == .ours ? "ours (reconcile)" : "baseline (git ls-remote)", sent, received, connections))
        return durations
    }

    mutating func tearDown() async {
        fixture?.close()
        fixture = nil
    }

    /// Runs `body` for every element, at most `concurrency` at once.
    static func forEach<Element: Sendable>(_ elements: [Element], _ body: @escaping @Sendable (Element) async throws -> Void)
        async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = elements.makeIterator()
            for _ in 0..<concurrency {
                guard let element = next.next() else { break }
                group.addTask { try await body(element) }
            }
            while try await group.next() != nil {
                if let element = next.next() { group.addTask { try await body(element) } }
            }
        }
    }

    /// `git ls-remote url` as a subprocess (its output discarded); its exit status, awaited without blocking a thread.
    static func lsRemote(_ url: String) async throws -> Int32 {
        let process = Process()
        process.executableURL = gitExecutable
        process.arguments = ["ls-remote", url]
        process.environment = lsRemoteEnvironment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        return try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                continuation.resume(throwing: error)
            }
        }
    }

    static let gitExecutable: URL = {
        for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(folder)).appendingPathComponent("git")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        return URL(fileURLWithPath: "/usr/bin/git")
    }()

    static let lsRemoteEnvironment = ProcessInfo.processInfo.environment.merging(
        ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"]) { _, new in new }
}

/// 1,000 bare repositories (copies of one with a single application) under one folder, a `git daemon`
/// serving them, the counting proxy in front of it, and one reconciler with its mirror for each (each with its
/// own in-memory store: the copies' applications share a name; a no-change poll never reaches the store).
final class PollFixture: Sendable {
    let base: URL
    let cache: URL
    let daemon: GitDaemon
    let proxy: CountingTCPProxy
    let urls: [String]
    let reconcilers: [RepositoryReconciler]
    let notes = Mutex<[String: Double]>([:])

    init(repositories: Int) throws {
        let temporary = FileManager.default.temporaryDirectory
        let id = UUID().uuidString
        base = temporary.appendingPathComponent("capstan-bench-polls-\(id)", isDirectory: true)
        cache = temporary.appendingPathComponent("capstan-bench-polls-cache-\(id)", isDirectory: true)
        let source = try GitFixture.create()
        try source.write("apps/web/capstan.yaml", "apiVersion: capstan/v1\nkind: Application\nname: web\nmanifests: [service.yaml]\n")
        try source.write("apps/web/service.yaml", StageOverheadScenario.manifest)
        try source.write("README.md", "# one application\n")
        try source.commit("one application")
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: true)
        let first = base.appendingPathComponent("r0.git")
        let cloned = try runProcess("git", ["clone", "-q", "--bare", "--no-hardlinks", source.path.path, first.path],
                                    environment: ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"])
        guard cloned.status == 0 else { throw BenchError("git clone --bare: \(cloned.stderr)") }
        try? FileManager.default.removeItem(at: first.appendingPathComponent("hooks"))
        for index in 1..<repositories {
            try FileManager.default.copyItem(at: first, to: base.appendingPathComponent("r\(index).git"))
        }
        daemon = try GitDaemon(basePath: base)
        proxy = try CountingTCPProxy(upstreamPort: daemon.port)
        let port = proxy.port
        let urls = (0..<repositories).map { "git://127.0.0.1:\(port)/r\($0).git" }
        self.urls = urls
        let cache = self.cache
        reconcilers = try urls.enumerated().map { index, url in
            let mirror = try GitMirror(remote: url, cacheDirectory: cache)
            return RepositoryReconciler(repository: RepositoryConfig(name: "r\(index)", url: url), source: mirror,
                                        store: MemoryDeploymentStore(),
                                        fetchTimeout: .seconds(60))
        }
    }

    func close() {
        proxy.stop()
        daemon.stop()
        try? FileManager.default.removeItem(at: base)
        try? FileManager.default.removeItem(at: cache)
    }
}
