#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process started with pipes on its stdin, stdout and stderr; the parent's ends.
struct SpawnedChild: Sendable {
    let pid: pid_t
    /// The parent writes requests here.
    let stdin: Int32
    /// The parent reads responses and notifications here.
    let stdout: Int32
    /// The parent reads the child's log here.
    let stderr: Int32
}

/// Why `spawnChild` failed: the call that failed and its errno.
struct SpawnError: Error, Sendable, CustomStringConvertible {
    let call: String
    let errno: Int32

    var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Starts `executable` (looked up on PATH when it has no `/`) with `arguments`.
///
/// `posix_spawn` rather than Foundation's `Process`: a child inherits its spawning thread's signal
/// mask, and Dispatch and the cooperative pool run with signals blocked, so a `Process` started
/// from async code can have SIGTERM blocked forever. Here the child starts with an empty mask and
/// every signal at its default disposition, in its own process group (a Ctrl-C at the server's
/// terminal must not kill plugins behind the host's back; the host stops them in order).
/// All other descriptors are closed in the child; our pipe ends are close-on-exec so that a child
/// spawned elsewhere in the server at the same moment does not hold them open.
func spawnChild(executable: String, arguments: [String], environment: [String: String]) throws(SpawnError) -> SpawnedChild {
    var pipes: [(read: Int32, write: Int32)] = []
    func closeAll() {
        for pipe in pipes {
            close(pipe.read)
            close(pipe.write)
        }
    }
    for _ in 0..<3 {
        var fds: [Int32] = [0, 0]
        guard makePipe(&fds) == 0 else {
            let code = errno
            closeAll()
            throw SpawnError(call: "pipe2", errno: code)
        }
        pipes.append((fds[0], fds[1]))
    }
    let (stdinPipe, stdoutPipe, stderrPipe) = (pipes[0], pipes[1], pipes[2])

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
    // dup2 clears close-on-exec on the target descriptor, so 0, 1 and 2 survive the exec.
    posix_spawn_file_actions_adddup2(&actions, stdinPipe.read, 0)
    posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, 1)
    posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, 2)
    #if os(Linux)
    _ = GNUFunctions.addCloseFrom?(&actions, 3)
    #endif

    var emptyMask = sigset_t()
    sigemptyset(&emptyMask)
    posix_spawnattr_setsigmask(&attributes, &emptyMask)
    var allSignals = sigset_t()
    sigfillset(&allSignals)
    posix_spawnattr_setsigdefault(&attributes, &allSignals)
    posix_spawnattr_setpgroup(&attributes, 0)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

    let argv = [executable] + arguments
    let envp = environment.map { "\($0.key)=\($0.value)" }
    var pid: pid_t = 0
    let status = withCStrings(argv) { argvPointers in
        withCStrings(envp) { envPointers in
            executable.contains("/")
                ? posix_spawn(&pid, executable, &actions, &attributes, argvPointers, envPointers)
                : posix_spawnp(&pid, executable, &actions, &attributes, argvPointers, envPointers)
        }
    }
    // The child's ends belong to the child now (or to nobody, on failure).
    close(stdinPipe.read)
    close(stdoutPipe.write)
    close(stderrPipe.write)
    guard status == 0 else {
        close(stdinPipe.write)
        close(stdoutPipe.read)
        close(stderrPipe.read)
        throw SpawnError(call: "posix_spawn \(executable)", errno: status)
    }
    return SpawnedChild(pid: pid, stdin: stdinPipe.write, stdout: stdoutPipe.read, stderr: stderrPipe.read)
}

/// A pipe whose two ends are close-on-exec from the start (no window for a concurrent spawn).
private func makePipe(_ fds: inout [Int32]) -> Int32 {
    #if os(Linux)
    if let pipe2 = GNUFunctions.pipe2 { return pipe2(&fds, O_CLOEXEC) }
    #endif
    guard pipe(&fds) == 0 else { return -1 }
    _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
    _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
    return 0
}

#if os(Linux)
/// glibc functions that Swift's Glibc module hides behind `_GNU_SOURCE`, looked up once at run time
/// (a C shim target would be the other way; this keeps the target free of one).
private enum GNUFunctions {
    typealias Pipe2 = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
    typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    /// Since glibc 2.9.
    static let pipe2: Pipe2? = lookUp("pipe2")
    /// Since glibc 2.34 (Debian 12 has 2.36); without it only close-on-exec descriptors are kept from the child.
    static let addCloseFrom: AddCloseFrom? = lookUp("posix_spawn_file_actions_addclosefrom_np")

    private static func lookUp<F>(_ symbol: String) -> F? {
        // dlopen(nil) is the main program and everything it links, libc included.
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
