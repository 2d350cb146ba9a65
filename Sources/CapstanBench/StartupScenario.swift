import CapstanCore
import CapstanGit
import CapstanStore
import CapstanTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Issue 8, scenario 4: `capstan serve` (the real release binary, beside `capstan-bench`) started on a data folder
/// holding 10,000 applications (records deployed at the head, the mirror cloned) and 1,000,000 stored events:
/// the time from spawning the process until `GET /healthz` answers 200, and until its first reconcile of the
/// repository has finished (its `capstan_poll_duration_seconds` count appears in `/metrics`). Baseline: the same
/// start on an empty event store with a one-application repository. Each start is stopped with SIGTERM.
struct StartupScenario: Scenario {
    let name = "start-up: capstan serve, 10,000 apps + 1,000,000 events -> /healthz"
    let goal = "< 2 s to /healthz"
    let iterations = 5

    static let apps = 10_000
    static let events = 1_000_000

    final class Folder: Sendable {
        let repo: MonorepoFixture
        let folder: URL
        let config: URL

        init(apps: Int, events: Int) async throws {
            let repo = try MonorepoFixture(apps: apps)
            self.repo = repo
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-bench-startup-\(UUID().uuidString)")
            let data = folder.appendingPathComponent("data")
            try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
            let store = try SQLiteDeploymentStore.open(at: data.appendingPathComponent("capstan.sqlite"))
            let now = Date()
            try await store.write((0..<apps).map { index in
                .upsertApp(AppRecord(
                    name: MonorepoFixture.appName(index), repository: "mono", configPath: MonorepoFixture.folder(index) + "/capstan.yaml",
                    status: .synced, lastDeployedCommit: repo.initial, updatedAt: now, labels: ["team": "bench", "tier": "web"]))
            }, events: [])
            var written = 0
            while written < events {
                let batch = min(1_000, events - written)
                try await store.write([], events: (0..<batch).map { k in
                    let app = MonorepoFixture.appName((written + k) % max(apps, 1))
                    return NewEvent(kind: .appStatusChanged, at: now, app: app, message: "\(app) is SYNCED",
                                    data: ["to": "SYNCED", "repository": "mono"])
                })
                written += batch
            }
            // The mirror as a running server leaves it.
            _ = try await GitMirror(remote: repo.remote, cacheDirectory: data.appendingPathComponent("mirrors")).fetch()
            config = folder.appendingPathComponent("capstan-server.yaml")
            try """
                dataDir: \(data.path)
                listen: 127.0.0.1:\(try freePort())
                driftInterval: 1h
                repositories:
                  - name: mono
                    url: \(repo.remote)
                    pollInterval: 1h

                """.write(to: config, atomically: true, encoding: .utf8)
        }

        func delete() {
            try? FileManager.default.removeItem(at: folder)
            repo.git.delete()
        }
    }

    private var folders: [Side: Folder] = [:]

    static func capstanExecutable() throws -> URL {
        let folder = (Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0]))
            .resolvingSymlinksInPath().deletingLastPathComponent()
        let capstan = folder.appendingPathComponent("capstan")
        guard FileManager.default.isExecutableFile(atPath: capstan.path) else {
            throw BenchError("no capstan at \(capstan.path); build it first: swift build -c release --product capstan")
        }
        return capstan
    }

    mutating func prepare() async throws {
        _ = try Self.capstanExecutable()
        let clock = ContinuousClock()
        let start = clock.now
        folders[.ours] = try await Folder(apps: Self.apps, events: Self.events)
        print("  data folder with \(Self.apps) applications and \(Self.events) events written in \(clock.now - start)")
        folders[.baseline] = try await Folder(apps: 1, events: 0)
    }

    func ours() async throws {}
    func baseline() async throws {}

    /// Starts are slow and few: one untimed start, then `iterations` (5 unless told) timed ones.
    func samples(_ side: Side, warmup: Int, iterations: Int) async throws -> [Duration] {
        guard let folder = folders[side] else { throw BenchError("not prepared") }
        var health: [Duration] = []
        var reconciled: [Duration] = []
        for k in 0..<(1 + iterations) {
            let (toHealth, toReconcile) = try await Self.start(folder)
            if k > 0 {
                health.append(toHealth)
                reconciled.append(toReconcile)
            }
        }
        let h = Timing(health), r = Timing(reconciled)
        print(String(format: "  %@: /healthz after %.0f ms median (max %.0f), first reconcile done after %.0f ms median (max %.0f)",
                     side == .ours ? "10,000 apps, 1M events" : "1 app, no events", h.medianMs, h.p99Ms, r.medianMs, r.p99Ms))
        Self.reconcileTimes.withLock { $0[side] = r }
        if side == .baseline, let ours = Self.reconcileTimes.withLock({ $0[.ours] }) {
            print(String(format: "  first reconcile: %.0f ms vs %.0f ms baseline (%.2fx)", ours.medianMs, r.medianMs,
                         r.medianMs / max(ours.medianMs, 0.001)))
        }
        return health
    }

    static let reconcileTimes = MutexBox<[Side: Timing]>([:])

    mutating func tearDown() async {
        for folder in folders.values { folder.delete() }
        folders = [:]
    }

    /// One start: spawn, poll /healthz until 200, poll /metrics until the first poll is recorded, SIGTERM.
    static func start(_ folder: Folder) async throws -> (Duration, Duration) {
        let process = Process()
        process.executableURL = try capstanExecutable()
        process.arguments = ["serve", "--config", folder.config.path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        let port = PortReader(errors.fileHandleForReading)
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        defer {
            if process.isRunning {
                process.terminate()
                let deadline = Date().addingTimeInterval(15)
                while process.isRunning, Date() < deadline { usleep(10_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            }
            process.waitUntilExit()
        }
        let session = URLSession(configuration: .ephemeral)
        var toHealth: Duration?
        var toReconcile: Duration?
        while clock.now - start < .seconds(120), toReconcile == nil {
            guard process.isRunning else { throw BenchError("capstan serve exited \(process.terminationStatus):\n\(port.log)") }
            if let bound = port.port {
                if toHealth == nil, await Self.get(session, "http://127.0.0.1:\(bound)/healthz")?.status == 200 {
                    toHealth = clock.now - start
                }
                if toHealth != nil, let metrics = await Self.get(session, "http://127.0.0.1:\(bound)/metrics")?.body,
                   metrics.split(separator: "\n").contains(where: {
                       // The series is there (at 0) from the start: wait for the first poll recorded.
                       $0.hasPrefix("capstan_poll_duration_seconds_count") && $0.contains("mono")
                           && (Double($0.split(separator: " ").last ?? "") ?? 0) > 0 })
                {
                    toReconcile = clock.now - start
                }
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        guard let toHealth, let toReconcile else { throw BenchError("capstan serve did not finish its first reconcile:\n\(port.log)") }
        return (toHealth, toReconcile)
    }

    static func get(_ session: URLSession, _ url: String) async -> (status: Int, body: String)? {
        var request = URLRequest(url: URL(string: url)!)
        request.timeoutInterval = 5
        guard let (data, response) = try? await session.data(for: request) else { return nil }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}

/// Reads `capstan serve`'s log on its own thread and picks out the port from "API on http://HOST:PORT".
final class PortReader: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    private var found: Int?

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { return }
                lock.withLock {
                    text += String(decoding: chunk, as: UTF8.self)
                    if found == nil, let range = text.range(of: "API on http://") {
                        let rest = text[range.upperBound...]
                        if let colon = rest.firstIndex(of: ":") {
                            found = Int(rest[rest.index(after: colon)...].prefix { $0.isNumber })
                        }
                    }
                }
            }
        }
        thread.start()
    }

    var port: Int? { lock.withLock { found } }
    var log: String { lock.withLock { String(text.suffix(4000)) } }
}

/// A value behind a lock, for the scenario's statics.
final class MutexBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}

/// A loopback port nothing listens on now (the kernel's pick for a socket bound to port 0, then closed).
func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw BenchError("socket() failed") }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
        }
    }
    guard bound else { throw BenchError("cannot find a free port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
