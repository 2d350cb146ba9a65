import CapstanPluginKit
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What to start as a detached process: its own session, stdin from /dev/null, output to a log file.
struct DetachedCommand: Sendable {
    /// Looked up on PATH when it has no `/`; relative to `workingDirectory` when it has one.
    var executable: String
    var arguments: [String]
    var environment: [String: String]
    var workingDirectory: String
    /// stdout and stderr are appended here.
    var logPath: String
}

/// Why a process could not be started (PluginKit's spawn error: one spawn path for the whole server).
typealias SpawnFailure = SpawnError

/// Starts `command` detached from this process, and returns its pid (= its process group and session id):
/// a new session (so neither the server's nor the plugin's end touches it), stdin from /dev/null,
/// stdout and stderr appended to its log file, and no other descriptor.
func spawnDetached(_ command: DetachedCommand) throws(SpawnFailure) -> pid_t {
    try PosixSpawn.spawn(executable: command.executable, arguments: command.arguments, environment: command.environment,
                         workingDirectory: command.workingDirectory, detachment: .session) { actions in
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, command.logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
    }
}

/// Runs `executable` to completion (stdin /dev/null, output to `logPath`) and returns its exit status.
func runToCompletion(_ command: DetachedCommand) async throws(SpawnFailure) -> Int32 {
    let pid = try spawnDetached(command)
    while true {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        if result == pid { return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f) }
        if result < 0 { return -1 }
        try? await Task.sleep(for: .milliseconds(20))
    }
}
