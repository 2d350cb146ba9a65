import Foundation
import Synchronization
#if canImport(Glibc)
public import Glibc
#elseif canImport(Darwin)
public import Darwin
#endif

/// A server a test runs in the background (Prometheus, a scripted HTTP server), stopped with SIGTERM.
///
/// Started with `posix_spawn`, not Foundation's `Process`: a child inherits its spawning thread's signal
/// mask, and the cooperative pool and Dispatch run with signals blocked, so a `Process` started from a
/// test could ignore SIGTERM. This child starts with an empty mask and default dispositions, in its own
/// process group, with only 0, 1 and 2 open (stdin from /dev/null, stdout and stderr to `logPath`), so it
/// holds no pipe of a concurrent test open.
public final class BackgroundProcess: Sendable {
    /// The child's pid.
    public let pid: pid_t
    /// Where its stdout and stderr go.
    public let logPath: String
    /// The exit status once reaped (waitpid status), so that a pid is never waited for twice.
    private let reaped = Mutex<Int32?>(nil)

    /// Starts `executable` (looked up on PATH when it has no `/`); `environment` nil keeps ours.
    public init(executable: String, arguments: [String], environment: [String: String]? = nil, logPath: String) throws {
        var actions = FileActions()
        #if canImport(Darwin)
        var attributes: posix_spawnattr_t? = nil
        #else
        var attributes = posix_spawnattr_t()
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP)
        #if os(Linux)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        #else
        flags |= Int32(POSIX_SPAWN_CLOEXEC_DEFAULT)
        #endif
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = [executable] + arguments
        let env = (environment ?? ProcessInfo.processInfo.environment).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        let argvC = argv.map { strdup($0) } + [nil]
        let envC = env.map { strdup($0) } + [nil]
        defer { (argvC + envC).forEach { free($0) } }
        var pid: pid_t = 0
        let status = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argvC, envC)
            : posix_spawnp(&pid, executable, &actions, &attributes, argvC, envC)
        guard status == 0 else { throw SpawnFailure(executable: executable, code: status) }
        self.pid = pid
        self.logPath = logPath
    }

    /// Whether it has not exited yet (reaps it if it has).
    public var isRunning: Bool {
        reaped.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
            status = raw
            return false
        }
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`; returns once it is reaped. Later calls do nothing.
    public func stop(grace: Duration = .seconds(5)) {
        guard isRunning else { return }
        kill(pid, SIGTERM)
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: grace)
        while isRunning, clock.now < deadline {
            usleep(10_000)
        }
        reaped.withLock { status in
            guard status == nil else { return }
            kill(pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1, errno == EINTR {}
            status = raw
        }
    }

    /// What it wrote so far (stdout and stderr), for failure messages.
    public func log() -> String {
        (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }

    deinit {
        stop(grace: .seconds(1))
    }

    #if canImport(Darwin)
    private typealias FileActions = posix_spawn_file_actions_t?
    #else
    private typealias FileActions = posix_spawn_file_actions_t
    #endif

    #if os(Linux)
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    /// glibc 2.34+, hidden behind _GNU_SOURCE in Swift's Glibc module; looked up at run time.
    private static let addCloseFrom: AddCloseFrom? =
        dlsym(dlopen(nil, RTLD_NOW), "posix_spawn_file_actions_addclosefrom_np").map { unsafeBitCast($0, to: AddCloseFrom.self) }
    #endif
}

/// A test's background process could not be started.
public struct SpawnFailure: Error, CustomStringConvertible {
    public let executable: String
    /// The error number posix_spawn returned.
    public let code: Int32

    public var description: String { "cannot start \(executable): \(String(cString: strerror(code)))" }
}
