import CapstanCore
import CapstanTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

#if canImport(Glibc)
import Glibc
#endif

/// A whole installation in a temp folder: a bare Git repository with two services (hello, other), a
/// server config, and `capstan serve` run as a real child process — built by `swift build` beside
/// this test bundle. Tear-down kills the server and every process running from the folder.
final class ServeFixture: @unchecked Sendable {
    // @unchecked: `server` is only touched by the test's own task.
    let root: URL
    let work: GitFixture
    let bare: URL
    let apiPort: Int
    /// HAProxy's Prometheus exporter (the process target's `metricsPort`).
    let metricsPort: Int
    let ports: [String: Int]
    private var server: Process?

    static let binDirectory = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
    static let serverScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("manifests/examples/hello/server.py")

    init(appExtra: String = "", serverExtra: String = "") throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-e2e-\(UUID().uuidString.prefix(8))")
        bare = root.appendingPathComponent("apps.git")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        _ = try runProcess("git", ["init", "-q", "--bare", bare.path])
        work = try GitFixture.create()
        apiPort = try LoopbackTCP.freePort()
        metricsPort = try LoopbackTCP.freePort()
        ports = ["hello": try LoopbackTCP.freePort(), "other": try LoopbackTCP.freePort()]
        let script = try String(contentsOf: Self.serverScript, encoding: .utf8)
        for (name, port) in ports {
            try work.write("\(name)/server.py", script)
            try work.write("\(name)/capstan.yaml",
                           "apiVersion: capstan/v1\nkind: Application\nname: \(name)\nmanifests: [service.yaml]\n\(appExtra)")
            try setVersion(name, "1.0.0", port: port)
        }
        try push("v1")
        let config = """
            dataDir: \(root.path)/data
            listen: 127.0.0.1:\(apiPort)
            repositories:
              - {name: apps, url: "file://\(bare.path)", branch: main, pollInterval: 1s}
            targets:
              - {name: local, plugin: process, config: {metricsPort: \(metricsPort), stopGraceSeconds: 2}}
            \(serverExtra)
            """
        try Data(config.utf8).write(to: root.appendingPathComponent("server.yaml"))
    }

    /// Sets how often the server polls the repository (1s unless changed), before the server starts.
    func setPollInterval(_ interval: String) throws {
        let url = root.appendingPathComponent("server.yaml")
        let config = try String(contentsOf: url, encoding: .utf8)
        guard config.contains("pollInterval: 1s") else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSLocalizedDescriptionKey: "pollInterval: 1s is not in the config"]) }
        try Data(config.replacingOccurrences(of: "pollInterval: 1s", with: "pollInterval: \(interval)").utf8).write(to: url)
    }

    /// Adds top-level settings to the server config (before the server starts).
    func appendServerConfig(_ text: String) throws {
        let url = root.appendingPathComponent("server.yaml")
        let config = try String(contentsOf: url, encoding: .utf8)
        try Data((config + "\n" + text + "\n").utf8).write(to: url)
    }

    /// - Parameters:
    ///   - command: what an instance runs; the example service by default.
    func setVersion(_ app: String, _ version: String, port: Int? = nil, replicas: Int = 2, healthTimeout: String = "10s",
                    command: String = #"["python3", "server.py", "--port", "${PORT}"]"#, errorRate: Double = 0) throws {
        let port = port ?? ports[app]!
        try work.write("\(app)/service.yaml", """
            apiVersion: capstan/v1
            kind: ProcessService
            name: \(app)
            command: \(command)
            env: {VERSION: "\(version)", ERROR_RATE: "\(errorRate)"}
            replicas: \(replicas)
            port: \(port)
            health: {http: /healthz, timeout: \(healthTimeout)}
            """)
    }

    @discardableResult
    func push(_ message: String) throws -> CommitID {
        let commit = try work.commit(message)
        try work.git("push", "-q", bare.path, "HEAD:main")
        return commit
    }

    /// Starts `capstan serve` with an empty signal mask (a child of a test thread would otherwise
    /// inherit blocked signals and never see SIGTERM).
    func startServer(environment: [String: String] = [:]) throws {
        let process = Process()
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, extra in extra }
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c",
                             "import os,signal,sys; signal.pthread_sigmask(signal.SIG_SETMASK, []); os.execv(sys.argv[1], sys.argv[1:])",
                             Self.binDirectory.appendingPathComponent("capstan").path, "serve",
                             "--config", root.appendingPathComponent("server.yaml").path]
        let log = try FileHandle(forWritingTo: createFile("serve.log"))
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        try process.run()
        server = process
    }

    private func createFile(_ name: String) -> URL {
        let url = root.appendingPathComponent(name)
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        return url
    }

    /// Sends `signal` to the server and waits for it to exit; returns its exit status.
    @discardableResult
    func stopServer(_ signal: Int32 = SIGTERM) -> Int32 {
        guard let server else { return -1 }
        kill(server.processIdentifier, signal)
        server.waitUntilExit()
        self.server = nil
        return server.terminationStatus
    }

    /// Waits up to `seconds` for the server to exit by itself (a crash point); true when it did.
    func waitForServerExit(seconds: Double = 60) async -> Bool {
        guard let server else { return true }
        let deadline = Date().addingTimeInterval(seconds)
        while server.isRunning, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        guard !server.isRunning else { return false }
        self.server = nil
        return true
    }

    /// The failed requests HAProxy logged (every haproxy.log under the data folder; normal ones are not logged).
    var haproxyLog: String {
        let data = root.appendingPathComponent("data")
        let files = FileManager.default.enumerator(atPath: data.path)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix("haproxy.log") } ?? []
        return files.compactMap { try? String(contentsOf: data.appendingPathComponent($0), encoding: .utf8) }
            .joined(separator: "\n")
    }

    var serverLog: String { (try? String(contentsOf: root.appendingPathComponent("serve.log"), encoding: .utf8)) ?? "" }

    /// GET on the API; nil when it does not answer.
    func api(_ path: String) async -> Any? {
        guard let url = URL(string: "http://127.0.0.1:\(apiPort)\(path)"),
              let (data, response) = try? await URLSession.shared.data(from: url),
              (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
        return try? JSONSerialization.jsonObject(with: data)
    }

    /// GET on the API as text; nil when it does not answer.
    func text(_ path: String) async -> String? {
        guard let url = URL(string: "http://127.0.0.1:\(apiPort)\(path)"),
              let (data, response) = try? await URLSession.shared.data(from: url),
              (response as? HTTPURLResponse)?.statusCode == 200 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// The deployments of `app`, newest first.
    func deployments(_ app: String) async -> [[String: Any]] {
        (await api("/api/v1/deployments?app=\(app)") as? [[String: Any]]) ?? []
    }

    /// One request through HAProxy: the version, or what went wrong.
    func probe(_ app: String) async -> Result<String, ProbeFailure> {
        let url = URL(string: "http://127.0.0.1:\(ports[app]!)/")!
        do {
            let (data, response) = try await URLSession.shared.data(from: url)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200, let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let version = body["version"] as? String else {
                return .failure(ProbeFailure(description: "HTTP \(status): \(String(decoding: data.prefix(200), as: UTF8.self))"))
            }
            return .success(version)
        } catch {
            return .failure(ProbeFailure(description: "\(error)"))
        }
    }

    struct ProbeFailure: Error, CustomStringConvertible {
        let description: String
    }

    /// What the service answers through HAProxy, or nil.
    func version(_ app: String) async -> String? {
        guard let url = URL(string: "http://127.0.0.1:\(ports[app]!)/"),
              let (data, _) = try? await URLSession.shared.data(from: url),
              let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        return body["version"] as? String
    }

    /// Polls `condition` every `every` for up to `seconds`.
    func eventually(_ seconds: Double = 60, every: Duration = .milliseconds(100), _ condition: () async -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: every)
        }
        return await condition()
    }

    /// The application's record from the API.
    func app(_ name: String) async -> [String: Any]? { await api("/api/v1/apps/\(name)") as? [String: Any] }

    /// Pids of the running instances of `app` (their environment names it).
    func instances(of app: String) -> [Int32] {
        processesInside().filter { pid in
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            return String(decoding: environ, as: UTF8.self).split(separator: "\0").contains("CAPSTAN_APP=\(app)")
        }
    }

    /// The VERSION an instance was started with (from its environment).
    func version(of pid: Int32) -> String {
        let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
        let entry = String(decoding: environ, as: UTF8.self).split(separator: "\0").first { $0.hasPrefix("VERSION=") }
        return entry.map { String($0.dropFirst("VERSION=".count)) } ?? "?"
    }

    /// Pids of processes whose working folder or command line lies in this fixture's folder.
    func processesInside() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            let cwd = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? ""
            let cmdline = (try? String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)) ?? ""
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            return (cwd.hasPrefix(root.path) || cmdline.contains(root.path)) && !stat.contains(") Z ")
        }
    }

    func tearDown() {
        stopServer(SIGKILL)
        for pid in processesInside() { kill(pid, SIGKILL) }
        work.delete()
        try? FileManager.default.removeItem(at: root)
    }
}
