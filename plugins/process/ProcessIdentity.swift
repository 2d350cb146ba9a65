import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A process as recorded in the state file: its pid plus its start time, so that a reused pid is
/// never mistaken for (or signalled as) the process we started.
struct ProcessIdentity: Sendable, Hashable, Codable {
    var pid: Int32
    /// Field 22 of `/proc/PID/stat`: clock ticks after boot when the process started.
    var startTime: UInt64

    /// The identity of a process that runs now; nil when it does not (or is a zombie).
    static func current(_ pid: Int32) -> ProcessIdentity? {
        guard let stat = ProcStat(pid: pid), stat.state != "Z", stat.state != "X" else { return nil }
        return ProcessIdentity(pid: pid, startTime: stat.startTime)
    }

    /// True when the recorded process still runs: same pid, same start time, not a zombie.
    /// Reaps it first when it is our own child that has exited.
    var isAlive: Bool {
        guard let stat = ProcStat(pid: pid), stat.startTime == startTime else { return false }
        guard stat.state == "Z" || stat.state == "X" else { return true }
        // Our own exited child (or an orphan waiting for init): reap it if it is ours, ECHILD otherwise.
        var status: Int32 = 0
        _ = waitpid(pid, &status, WNOHANG)
        return false
    }

    /// The identity of a process just spawned, even when it has already exited (a zombie keeps its start time).
    static func spawned(_ pid: Int32) -> ProcessIdentity {
        ProcessIdentity(pid: pid, startTime: ProcStat(pid: pid)?.startTime ?? 0)
    }

    /// Sends `signal` to the process's group (it leads its own session, so pgid == pid), if it is still ours.
    @discardableResult
    func signalGroup(_ signal: Int32) -> Bool {
        guard isAlive else { return false }
        return kill(-pid, signal) == 0 || kill(pid, signal) == 0
    }

    /// SIGTERM to the group, SIGKILL after `grace`; returns once the process is gone (or after 2 s more).
    func stop(grace: Duration) async {
        guard signalGroup(SIGTERM) else { return }
        if await waitUntilGone(within: grace) { return }
        signalGroup(SIGKILL)
        _ = await waitUntilGone(within: .seconds(2))
    }

    /// Polls until the process is gone; false when it still runs after `limit`.
    func waitUntilGone(within limit: Duration) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while isAlive {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return true
    }
}

/// The fields of `/proc/PID/stat` we need.
struct ProcStat {
    var state: Character
    var startTime: UInt64

    init?(pid: Int32) {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        // After "pid (comm) ": field 3 (state) is the first; field 22 (starttime) the 20th.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count >= 20, let state = fields[0].first, let start = UInt64(fields[19]) else { return nil }
        self.state = state
        self.startTime = start
    }
}

/// The last `lines` lines of a log file (at most its last 4 KiB), for failure reasons.
func logTail(_ path: String, lines: Int = 8) -> String {
    guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
    defer { try? handle.close() }
    let size = (try? handle.seekToEnd()) ?? 0
    try? handle.seek(toOffset: size > 4096 ? size - 4096 : 0)
    let data = (try? handle.readToEnd()) ?? Data()
    let text = String(decoding: data, as: UTF8.self)
    return text.split(separator: "\n", omittingEmptySubsequences: true).suffix(lines).joined(separator: "\n")
}
