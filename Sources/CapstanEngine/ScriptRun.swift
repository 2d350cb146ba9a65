import CapstanCore
import CapstanPluginKit
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SCRIPT_RUN: `/bin/sh -c run` in the application's checkout, its output (stdout and stderr, merged)
/// kept as the stage's log, a non-zero exit failing the stage.
///
/// The script gets only `PATH`, `HOME`, `LANG` of the server's environment — never the rest, where
/// secrets live — plus CAPSTAN_APP, CAPSTAN_DEPLOYMENT, CAPSTAN_COMMIT, CAPSTAN_PREVIOUS_COMMIT,
/// CAPSTAN_STAGE_INDEX and the stage's `env`. It runs in its own process group, which is killed
/// (SIGTERM, SIGKILL after `stopGrace`) when its timeout passes or the stage is cut off.
struct ScriptRun: Sendable {
    let options: ScriptRunOptions
    let directory: String
    let environment: [String: String]
    /// Where output lines go, in order, a batch at a time.
    let output: @Sendable ([String]) async -> Void
    let stopGrace: Duration = .seconds(2)

    /// How a script ended.
    enum Ending: Sendable, Equatable {
        case exited(Int32)
        case signalled(Int32)
        /// Cut off (cancelled): killed, no verdict of its own.
        case stopped
        case couldNotStart(String)
    }

    /// A line longer than this is cut (a binary dump must not become one huge event).
    static let maxLineBytes = 4096
    /// Lines after this many are counted, not kept.
    static let maxLines = 10_000

    static func environment(for deployment: Deployment, stageIndex: Int, extra: [String: String]) -> [String: String] {
        let server = ProcessInfo.processInfo.environment
        var environment: [String: String] = ["PATH": server["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]
        environment["HOME"] = server["HOME"]
        environment["LANG"] = server["LANG"]
        environment.merge([
            "CAPSTAN_APP": deployment.app, "CAPSTAN_DEPLOYMENT": deployment.id.rawValue,
            "CAPSTAN_COMMIT": deployment.commit.hex, "CAPSTAN_PREVIOUS_COMMIT": deployment.previousCommit?.hex ?? "",
            "CAPSTAN_STAGE_INDEX": String(stageIndex),
        ]) { _, ours in ours }
        environment.merge(extra) { _, stage in stage }
        return environment
    }

    /// Runs the script to its end, or until the task is cancelled (then it is killed: `.stopped`).
    func run() async -> Ending {
        let started: (pid: pid_t, output: Int32)
        do {
            started = try PosixSpawn.spawnCapturingOutput(
                executable: "/bin/sh", arguments: ["-c", options.run], environment: environment, workingDirectory: directory)
        } catch {
            return .couldNotStart("cannot start /bin/sh: \(error)")
        }
        defer { close(started.output) }
        var reader = LineReader(fd: started.output)
        var kept = 0
        var dropped = 0
        func forward(_ lines: [String]) async {
            let room = max(0, Self.maxLines - kept)
            kept += min(room, lines.count)
            dropped += lines.count - min(room, lines.count)
            if room > 0 { await output(Array(lines.prefix(room))) }
        }
        while true {
            await forward(reader.readAvailable())
            var status: Int32 = 0
            let waited = waitpid(started.pid, &status, WNOHANG)
            if waited == started.pid || waited < 0 {
                await forward(reader.readAvailable() + reader.rest())
                if dropped > 0 { await output(["(\(dropped) more line(s) of output not kept)"]) }
                if waited < 0 { return .exited(-1) }
                return (status & 0x7f) == 0 ? .exited((status >> 8) & 0xff) : .signalled(status & 0x7f)
            }
            if Task.isCancelled {
                await stop(started.pid)
                await forward(reader.readAvailable() + reader.rest())
                return .stopped
            }
            // Real time, not the injected clock: this paces reading a real process's pipe.
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGTERM to the group, SIGKILL after the grace, and reaps the shell.
    private func stop(_ pid: pid_t) async {
        kill(-pid, SIGTERM)
        let deadline = ContinuousClock.now + stopGrace
        var status: Int32 = 0
        while waitpid(pid, &status, WNOHANG) == 0 {
            if ContinuousClock.now >= deadline {
                kill(-pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
                return
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        kill(-pid, SIGKILL)  // children the shell left behind in its group
    }
}

/// Splits what a non-blocking descriptor delivers into lines (without their newlines).
struct LineReader {
    let fd: Int32
    private var pending: [UInt8] = []

    init(fd: Int32) { self.fd = fd }

    /// The complete lines readable now.
    mutating func readAvailable() -> [String] {
        var buffer = [UInt8](repeating: 0, count: 16 * 1024)
        var lines: [String] = []
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                lines.append(Self.text(pending[..<newline]))
                pending.removeSubrange(...newline)
            }
            if pending.count > ScriptRun.maxLineBytes {  // a line without end: cut it here
                lines.append(Self.text(pending[...]))
                pending.removeAll()
            }
        }
        return lines
    }

    /// What is left after the last newline, once the writer is gone.
    mutating func rest() -> [String] {
        defer { pending.removeAll() }
        return pending.isEmpty ? [] : [Self.text(pending[...])]
    }

    private static func text(_ bytes: ArraySlice<UInt8>) -> String {
        let line = String(decoding: bytes.prefix(ScriptRun.maxLineBytes), as: UTF8.self)
        return line.hasSuffix("\r") ? String(line.dropLast()) : line
    }
}
