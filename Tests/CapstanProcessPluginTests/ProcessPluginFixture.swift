import CapstanCore
import CapstanPluginKit
import CapstanTesting
import Foundation
import Synchronization
import Testing
@testable import capstan_plugin_process

#if canImport(Glibc)
import Glibc
#endif

/// A temporary world for one test: a data dir, per-commit checkouts of the hello example service,
/// free ports, and a cleanup that kills every process the state file names and checks none is left.
final class ProcessPluginFixture: Sendable {
    static let app = "hello"
    static let serverScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("manifests/examples/hello/server.py")

    let root: String
    let dataDirectory: String
    let checkoutRoot: String
    let frontendPort: Int
    let metricsPort: Int

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-proc-\(UUID().uuidString.prefix(8))").path
        dataDirectory = root + "/data"
        checkoutRoot = root + "/checkouts"
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        // From below the ephemeral range, which the instances' own ports come from (see LoopbackTCP.freePort).
        frontendPort = try LoopbackTCP.freePort()
        metricsPort = try LoopbackTCP.freePort()
    }

    /// Runs `body` with a new fixture and always tears it down, even when `body` throws.
    static func run(_ body: (ProcessPluginFixture) async throws -> Void) async throws {
        let fixture = try ProcessPluginFixture()
        do {
            try await body(fixture)
        } catch {
            try await fixture.tearDown()
            throw error
        }
        try await fixture.tearDown()
    }

    func initializeParams(drainSeconds: Double = 2) -> InitializeParams {
        InitializeParams(plugin: "process", target: "local",
                         config: ["metricsPort": .number(Double(metricsPort)), "stopGraceSeconds": .number(3),
                                  "drainSeconds": .number(drainSeconds)],
                         dataDirectory: dataDirectory)
    }

    /// A plugin in this process, initialized.
    func plugin(drainSeconds: Double = 2) async throws -> ProcessPlugin {
        let plugin = ProcessPlugin()
        try await plugin.initialize(initializeParams(drainSeconds: drainSeconds))
        return plugin
    }

    /// The plugin's HAProxy, for a test to read its runtime API and master CLI.
    var haproxy: HAProxyController {
        HAProxyController(executable: (try? PluginSettings([:]).haproxy) ?? "haproxy", dataDirectory: dataDirectory,
                          metricsPort: metricsPort)
    }

    /// A commit id made of one repeated hex digit.
    static func commit(_ digit: Character) -> CommitID { CommitID(String(repeating: digit, count: 40))! }

    /// Writes `<checkouts>/hello/<commit>` with server.py and service.yaml; returns the manifests and folder.
    @discardableResult
    func checkout(_ commit: CommitID, version: String, replicas: Int = 2, command: String? = nil,
                  health: String = "{http: /healthz, timeout: 5s}") throws -> (manifests: [String: String], directory: String) {
        let directory = "\(checkoutRoot)/\(Self.app)/\(commit.hex)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.serverScript.path, toPath: directory + "/server.py")
        let manifest = """
            apiVersion: capstan/v1
            kind: ProcessService
            name: hello
            command: \(command ?? #"["python3", "server.py", "--port", "${PORT}"]"#)
            env: {VERSION: "\(version)"}
            replicas: \(replicas)
            port: \(frontendPort)
            health: \(health)
            """
        try manifest.write(toFile: directory + "/service.yaml", atomically: true, encoding: .utf8)
        return (["service.yaml": manifest], directory)
    }

    func params(_ stage: StageKind, commit: CommitID, previous: CommitID? = nil, deployment: String = "d-1",
                index: Int = 0, attempt: Int = 1, options: JSONValue = .object([:])) throws -> ExecuteStageParams {
        let directory = "\(checkoutRoot)/\(Self.app)/\(commit.hex)"
        let manifest = try String(contentsOfFile: directory + "/service.yaml", encoding: .utf8)
        return ExecuteStageParams(
            deploymentId: DeploymentID(rawValue: deployment), app: Self.app, stageIndex: index, stage: stage,
            attempt: attempt, commit: commit, previousCommit: previous, appDirectory: directory,
            manifests: ["service.yaml": manifest], options: options)
    }

    /// The version the frontend answers with, nil when it does not answer 200.
    func servedVersion() -> String? {
        guard let response = LoopbackSockets.httpGet(port: frontendPort, path: "/"), response.status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any] else { return nil }
        return json["version"] as? String
    }

    func state() throws -> ProcessState { try StateStore(dataDirectory: dataDirectory).load() }

    /// Kills every process the state file names (instances' groups, HAProxy's group), then checks that
    /// no process runs with its working directory or command line inside this fixture.
    func tearDown() async throws {
        let state = (try? state()) ?? ProcessState()
        var identities = state.instances.map(\.process)
        if let haproxy = state.haproxy { identities.append(haproxy.master) }
        for identity in identities where identity.isAlive { _ = kill(-identity.pid, SIGKILL) }
        for identity in identities { _ = await identity.waitUntilGone(within: .seconds(3)) }
        var strays: [Int32] = []
        for _ in 0..<50 {
            strays = Self.processes(under: root)
            if strays.isEmpty { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        for pid in strays { _ = kill(pid, SIGKILL) }
        try? FileManager.default.removeItem(atPath: root)
        #expect(strays.isEmpty, "processes left behind: \(strays)")
    }

    /// Live (non-zombie) processes whose working directory or command line mentions `path`.
    static func processes(under path: String) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            guard ProcessIdentity.current(pid) != nil else { return false }
            let cwd = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/cwd")) ?? ""
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")))
                .map { String(decoding: $0, as: UTF8.self) } ?? ""
            return cwd.hasPrefix(path) || cmdline.contains(path)
        }
    }
}

/// Collects stage log lines.
final class StageLogLines: Sendable {
    private let lines = Mutex<[String]>([])

    var logger: StageLogger {
        StageLogger(deploymentId: DeploymentID(rawValue: "d-log"), stageIndex: 0) { params in
            self.lines.withLock { $0.append(params.line.message) }
        }
    }

    var all: [String] { lines.withLock { $0 } }
}
