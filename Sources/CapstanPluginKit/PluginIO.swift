import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The blocking side of a plugin process: one thread writes its stdin, two read its stdout and
/// stderr, one waits for it to exit. Threads of their own, so that a silent or flooding plugin can
/// never hold a thread of Swift's cooperative pool.
final class PluginIO: Sendable {
    private let child: SpawnedChild
    /// The longest stdout line accepted.
    let maxLineBytes: Int
    /// Log lines are for people, and the ring keeps many of them: a smaller limit than stdout's.
    static let maxStderrLineBytes = 64 * 1024
    private let name: String
    private let queue = Mutex(WriteQueue())
    private let writeReady = DispatchSemaphore(value: 0)
    /// Signalled once by each reader at end of input.
    private let readerDone = DispatchSemaphore(value: 0)
    private let stopReading = Atomic<Bool>(false)

    /// How long the exit waiter waits for a dead plugin's pipes to reach end of input. A grandchild
    /// that inherited them could hold them open forever; its output is then no longer read.
    static let drainTimeout: DispatchTimeInterval = .milliseconds(500)

    private struct WriteQueue {
        var lines: [Data] = []
        var closeRequested = false
        var stopped = false
    }

    init(child: SpawnedChild, maxLineBytes: Int, name: String) {
        self.child = child
        self.maxLineBytes = maxLineBytes
        self.name = name
    }

    func start(
        onStdoutLine: @escaping @Sendable (LineFramer.Event) -> Void,
        onStderrLine: @escaping @Sendable (LineFramer.Event) -> Void,
        onReaping: @escaping @Sendable () -> Void,
        onExit: @escaping @Sendable (PluginExit.Status) -> Void
    ) {
        spawnThread("stdout") { self.readLines(from: self.child.stdout, limit: self.maxLineBytes, onStdoutLine) }
        spawnThread("stderr") { self.readLines(from: self.child.stderr, limit: Self.maxStderrLineBytes, onStderrLine) }
        spawnThread("stdin") { self.writeLoop() }
        spawnThread("wait") { self.waitForExit(onReaping, onExit) }
    }

    /// Queues `line` for the plugin's stdin. Lines written after the process ended are dropped.
    func write(_ line: Data) {
        queue.withLock { $0.lines.append(line) }
        writeReady.signal()
    }

    /// Closes stdin after the queued lines.
    func closeStdin() {
        queue.withLock { $0.closeRequested = true }
        writeReady.signal()
    }

    private func spawnThread(_ role: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = "capstan-plugin-\(name)-\(role)"
        thread.start()
    }

    private func readLines(from fd: Int32, limit: Int, _ deliver: @Sendable (LineFramer.Event) -> Void) {
        defer {
            close(fd)
            readerDone.signal()
        }
        var framer = LineFramer(maxLineBytes: limit)
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            // poll with a timeout rather than a bare read: the exit waiter may tell us to stop
            // reading a pipe that a surviving grandchild keeps open.
            var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pollFD, 1, 100)
            if stopReading.load(ordering: .acquiring) { break }
            if ready < 0, errno == EINTR { continue }
            if ready == 0 { continue }
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            if count <= 0 { break }
            for event in framer.append(buffer[0..<count]) { deliver(event) }
        }
        for event in framer.finish() { deliver(event) }
    }

    private func writeLoop() {
        // A write to a pipe whose reader died raises SIGPIPE, which kills the whole server unless
        // ignored. Block it on this thread only (no process-wide disposition change) and swallow
        // the pending signal after each EPIPE.
        var sigpipe = sigset_t()
        sigemptyset(&sigpipe)
        sigaddset(&sigpipe, SIGPIPE)
        pthread_sigmask(SIG_BLOCK, &sigpipe, nil)
        defer { close(child.stdin) }
        var broken = false
        while true {
            writeReady.wait()
            let (line, close) = queue.withLock { queue -> (Data?, Bool) in
                if queue.stopped { return (nil, true) }
                if !queue.lines.isEmpty { return (queue.lines.removeFirst(), false) }
                return (nil, queue.closeRequested)
            }
            if close { return }
            guard let line, !broken else { continue }
            broken = !writeAll(line, sigpipe: &sigpipe)
        }
    }

    /// Writes all of `data`; false when the pipe is broken (the plugin is gone or closed stdin).
    private func writeAll(_ data: Data, sigpipe: inout sigset_t) -> Bool {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = writeFD(child.stdin, bytes.baseAddress! + offset, bytes.count - offset)
                if written >= 0 {
                    offset += written
                } else if errno == EINTR {
                    continue
                } else {
                    if errno == EPIPE {
                        var zero = timespec(tv_sec: 0, tv_nsec: 0)
                        while sigtimedwait(&sigpipe, nil, &zero) == SIGPIPE {}
                    }
                    return false
                }
            }
            return true
        }
    }

    private func waitForExit(_ onReaping: @Sendable () -> Void, _ onExit: @Sendable (PluginExit.Status) -> Void) {
        // WNOWAIT: learn of the exit without reaping, so that the pid stays ours (a zombie) while
        // the pipes drain and any `kill` still reaches the right process.
        var info = siginfo_t()
        var waited: Int32
        repeat {
            waited = waitid(P_PID, id_t(child.pid), &info, WEXITED | WNOWAIT)
        } while waited != 0 && errno == EINTR
        // ECHILD: something else reaped it (SIGCHLD set to SIG_IGN in this process): it is gone,
        // and its status with it.
        let reapedElsewhere = waited != 0
        // Let the readers take in what the plugin wrote before it died: a response written just
        // before exiting still counts, and the crash report wants the last stderr lines.
        _ = readerDone.wait(timeout: .now() + Self.drainTimeout)
        _ = readerDone.wait(timeout: .now() + Self.drainTimeout)
        stopReading.store(true, ordering: .releasing)
        // From here on no signal may be sent: once reaped, the pid can be reused by anyone.
        onReaping()
        var status: Int32 = 0
        while !reapedElsewhere, waitpid(child.pid, &status, 0) < 0, errno == EINTR {}
        // Reported only after reaping, so that whoever learns of the exit finds no zombie.
        onExit(reapedElsewhere ? .unknown : Self.exitStatus(info))
        queue.withLock { $0.stopped = true }
        writeReady.signal()
    }

    private static func exitStatus(_ info: siginfo_t) -> PluginExit.Status {
        #if canImport(Glibc)
        let code = info._sifields._sigchld.si_status
        #else
        let code = info.si_status
        #endif
        return info.si_code == Int32(CLD_EXITED) ? .exited(code) : .signaled(code)
    }
}

/// `write(2)`, named apart from `PluginIO.write(_:)`.
private func writeFD(_ fd: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

/// `kill(2)`, named apart from the methods that wrap it.
func sendSignal(_ signal: Int32, to pid: pid_t) {
    _ = kill(pid, signal)
}
