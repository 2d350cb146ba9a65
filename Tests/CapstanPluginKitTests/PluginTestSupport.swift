import CapstanCore
import CapstanPluginKit
import Foundation
import Synchronization

/// The Python fixture plugin, run by the `python3` found on PATH.
enum EchoPlugin {
    static let script = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/plugins/echo_plugin.py").path

    /// A configuration with short deadlines, in a fresh data directory under `folder`.
    static func configuration(
        in folder: TempDirectory, config: [String: JSONValue] = [:], callTimeout: Duration = .seconds(5),
        stageTimeout: Duration = .seconds(5), shutdownGrace: Duration = .seconds(2), maxLineBytes: Int = 1 << 20
    ) -> PluginHost.Configuration {
        PluginHost.Configuration(
            name: "echo-test", executable: "python3", arguments: [script], target: "local", targetConfig: config,
            dataDirectory: folder.url.appendingPathComponent("data").path, callTimeout: callTimeout,
            stageTimeout: stageTimeout, startTimeout: .seconds(10), shutdownGrace: shutdownGrace,
            backoff: RestartBackoff(initial: .milliseconds(20), cap: .milliseconds(200)), maxLineBytes: maxLineBytes)
    }

    /// An executeStage request for app `checkout` with `options`.
    static func stage(_ index: Int = 0, _ kind: StageKind = .sync, options: [String: JSONValue] = [:],
                      deployment: String = "d-test", attempt: Int = 1) -> ExecuteStageParams {
        ExecuteStageParams(
            deploymentId: DeploymentID(rawValue: deployment), app: "checkout", stageIndex: index, stage: kind,
            attempt: attempt, commit: commitA, previousCommit: nil, appDirectory: "/srv/checkout",
            manifests: ["service.yaml": "kind: ProcessService\nname: checkout\n"], options: .object(options))
    }

    static let commitA = CommitID(String(repeating: "a", count: 40))!
}

/// A temporary directory, removed when released.
final class TempDirectory: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-plugin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Keeps everything the host logs, for assertions.
final class RecordingSink: PluginLogSink {
    private let records = Mutex<(lines: [(plugin: String, line: String)], stages: [StageLogParams])>(([], []))

    func log(plugin: String, line: String) { records.withLock { $0.lines.append((plugin, line)) } }
    func stageLog(plugin: String, params: StageLogParams) { records.withLock { $0.stages.append(params) } }

    var lines: [(plugin: String, line: String)] { records.withLock { $0.lines } }
    var stageLines: [StageLogParams] { records.withLock { $0.stages } }
}

/// Whether a process with `pid` exists at all (running or zombie).
func processExists(_ pid: Int32) -> Bool {
    FileManager.default.fileExists(atPath: "/proc/\(pid)")
}

/// The value of a `Key:` line of /proc/PID/status.
func procStatus(_ pid: Int32, _ key: String) throws -> String? {
    let text = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
    return text.split(separator: "\n").first { $0.hasPrefix("\(key):") }
        .map { $0.dropFirst(key.count + 1).trimmingCharacters(in: .whitespaces) }
}

/// Polls `condition` every 10 ms for up to `timeout`.
func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async rethrows -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}

/// Runs `body` and returns the PluginError it throws, or nil when it succeeds (or throws something else).
func pluginError<T>(_ body: () async throws -> T) async -> PluginError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? PluginError
    }
}
