public import Foundation
import Synchronization

/// `git daemon` serving every repository under a folder over git:// on 127.0.0.1 (for tests).
public final class GitDaemon: Sendable {
    /// The port it listens on.
    public let port: Int
    private let process: Mutex<Process?>

    /// Starts `git daemon --export-all --base-path=basePath` on `port` (a free loopback port when nil) and
    /// waits until it accepts connections. Giving the port of a daemon stopped before brings "the remote" back.
    public init(basePath: URL, port: Int? = nil) throws {
        let port = try port ?? LoopbackTCP.freePort()
        // Run git-daemon itself, not the `git daemon` wrapper: children spawned by Foundation's
        // Process from a Dispatch thread inherit its blocked signals (SIGTERM included), so
        // the daemon can only be stopped with SIGKILL, which would orphan the wrapper's child.
        let execPath = try runProcess("git", ["--exec-path"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: execPath).appendingPathComponent("git-daemon")
        process.arguments = [
            "--export-all", "--reuseaddr", "--informative-errors",
            "--base-path=\(basePath.path)", "--listen=127.0.0.1", "--port=\(port)", basePath.path,
        ]
        process.environment = ProcessInfo.processInfo.environment.merging(["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1"]) { _, new in new }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        self.port = port
        self.process = Mutex(process)
        let deadline = Date().addingTimeInterval(10)
        while !LoopbackTCP.isAccepting(port: port) {
            guard process.isRunning, Date() < deadline else {
                stop()
                throw GitFixtureError(command: "git daemon --port=\(port)", status: process.isRunning ? 0 : process.terminationStatus, stderr: "did not start listening")
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// The git:// URL of the repository at `relativePath` under the base path.
    public func url(_ relativePath: String) -> String {
        "git://127.0.0.1:\(port)/\(relativePath)"
    }

    /// Kills the daemon and waits for it (also done on deinit).
    public func stop() {
        let running: Process? = process.withLock { process in
            defer { process = nil }
            return process
        }
        guard let running, running.isRunning else { return }
        kill(running.processIdentifier, SIGKILL)  // SIGTERM may be blocked, see init
        running.waitUntilExit()
    }

    deinit {
        stop()
    }
}
