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

    let spawned = Result { () throws(SpawnError) -> pid_t in
        try PosixSpawn.spawn(executable: executable, arguments: arguments, environment: environment,
                             detachment: .processGroup) { actions in
            // dup2 clears close-on-exec on the target descriptor, so 0, 1 and 2 survive the exec.
            posix_spawn_file_actions_adddup2(&actions, stdinPipe.read, 0)
            posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, 1)
            posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, 2)
        }
    }
    // The child's ends belong to the child now (or to nobody, on failure).
    close(stdinPipe.read)
    close(stdoutPipe.write)
    close(stderrPipe.write)
    switch spawned {
    case .success(let pid):
        return SpawnedChild(pid: pid, stdin: stdinPipe.write, stdout: stdoutPipe.read, stderr: stderrPipe.read)
    case .failure(let error):
        close(stdinPipe.write)
        close(stdoutPipe.read)
        close(stderrPipe.read)
        throw error
    }
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


extension PosixSpawn {
    /// Starts `executable` in its own process group with stdin from /dev/null and stdout and stderr on
    /// one pipe; returns its pid and the pipe's read end (close-on-exec, non-blocking), which the caller
    /// closes. For commands whose output becomes a log (SCRIPT_RUN).
    public static func spawnCapturingOutput(
        executable: String, arguments: [String], environment: [String: String], workingDirectory: String?
    ) throws(SpawnError) -> (pid: Int32, output: Int32) {
        var fds: [Int32] = [0, 0]
        guard makePipe(&fds) == 0 else { throw SpawnError(call: "pipe2", errno: errno) }
        let (readEnd, writeEnd) = (fds[0], fds[1])
        let spawned = Result { () throws(SpawnError) -> pid_t in
            try spawn(executable: executable, arguments: arguments, environment: environment,
                      workingDirectory: workingDirectory, detachment: .processGroup) { actions in
                posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
                posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
                posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
            }
        }
        close(writeEnd)
        switch spawned {
        case .success(let pid):
            _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
            return (pid, readEnd)
        case .failure(let error):
            close(readEnd)
            throw error
        }
    }
}
