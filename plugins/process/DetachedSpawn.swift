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

/// Why a process could not be started: the call that failed and its errno.
struct SpawnFailure: Error, Sendable, CustomStringConvertible {
    let call: String
    let errno: Int32

    var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Starts `command` detached from this process, and returns its pid (= its process group and session id).
///
/// `posix_spawn` like PluginKit's `spawnChild`, for the same reason: Foundation's `Process` started from
/// async code inherits the blocked signals of the cooperative pool, so SIGTERM would never arrive. Here
/// the child gets an empty signal mask, default dispositions, a new session (`POSIX_SPAWN_SETSID`, so
/// neither the server's nor the plugin's end touches it), stdin from /dev/null, stdout and stderr to
/// its log file, and no other descriptor.
func spawnDetached(_ command: DetachedCommand) throws(SpawnFailure) -> pid_t {
    #if canImport(Darwin)
    var actions: posix_spawn_file_actions_t? = nil
    var attributes: posix_spawnattr_t? = nil
    #else
    var actions = posix_spawn_file_actions_t()
    var attributes = posix_spawnattr_t()
    #endif
    posix_spawn_file_actions_init(&actions)
    posix_spawnattr_init(&attributes)
    defer {
        posix_spawn_file_actions_destroy(&actions)
        posix_spawnattr_destroy(&attributes)
    }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, command.logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
    posix_spawn_file_actions_adddup2(&actions, 1, 2)
    #if os(Linux)
    guard let addChdir = SpawnExtensions.addChdir else {
        throw SpawnFailure(call: "posix_spawn_file_actions_addchdir_np", errno: ENOSYS)
    }
    _ = addChdir(&actions, command.workingDirectory)
    _ = SpawnExtensions.addCloseFrom?(&actions, 3)
    let setsid: Int32 = 0x80 // POSIX_SPAWN_SETSID, hidden behind _GNU_SOURCE in glibc's spawn.h
    #else
    posix_spawn_file_actions_addchdir_np(&actions, command.workingDirectory)
    let setsid = Int32(POSIX_SPAWN_SETSID)
    #endif

    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setflags(&attributes, Int16(Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF) | setsid))

    let argv = [command.executable] + command.arguments
    let envp = command.environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
    var pid: pid_t = 0
    let status = withCStrings(argv) { argvPointers in
        withCStrings(envp) { envPointers in
            command.executable.contains("/")
                ? posix_spawn(&pid, command.executable, &actions, &attributes, argvPointers, envPointers)
                : posix_spawnp(&pid, command.executable, &actions, &attributes, argvPointers, envPointers)
        }
    }
    guard status == 0 else { throw SpawnFailure(call: "posix_spawn \(command.executable)", errno: status) }
    return pid
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

#if os(Linux)
/// glibc's GNU spawn extensions, looked up at run time (Swift's Glibc hides them behind `_GNU_SOURCE`).
private enum SpawnExtensions {
    typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Since glibc 2.29.
    static let addChdir: AddChdir? = lookUp("posix_spawn_file_actions_addchdir_np")
    /// Since glibc 2.34.
    static let addCloseFrom: AddCloseFrom? = lookUp("posix_spawn_file_actions_addclosefrom_np")

    private static func lookUp<F>(_ symbol: String) -> F? {
        dlsym(dlopen(nil, RTLD_NOW), symbol).map { unsafeBitCast($0, to: F.self) }
    }
}
#endif

/// Calls `body` with a NULL-terminated C array of copies of `strings`, freed afterwards.
private func withCStrings<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
