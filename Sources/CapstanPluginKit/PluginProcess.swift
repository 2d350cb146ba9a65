import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How a call sent to a plugin process ended, before the host turns it into a value or a ``PluginError``.
enum CallOutcome: Sendable {
    /// The response line; the caller decodes its `result` into the method's type.
    case result(Data)
    case error(JSONRPCError)
    case exited(PluginExit)
    case cancelled
}

/// How a plugin process ended.
struct PluginExit: Sendable, Hashable, CustomStringConvertible {
    enum Status: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)
        /// Reaped by someone else; the status is lost.
        case unknown
    }

    var status: Status
    /// When the host killed it, why ("did not answer liveState within 1s").
    var killReason: String?
    /// Its last stderr lines, oldest first.
    var stderrTail: [String]
    /// The host clock's reading when the exit was seen.
    var at: Duration

    var description: String {
        let how = switch status {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "was killed by signal \(signal)"
        case .unknown: "ended (its exit status was collected elsewhere)"
        }
        return killReason.map { "\(how) (\($0))" } ?? how
    }
}

/// One running plugin process: its pipes, the threads that serve them, and the calls waiting for answers.
///
/// All blocking I/O happens on four threads of its own (stdin writer, stdout and stderr readers,
/// exit waiter), never on Swift's cooperative pool. The threads end when the process has ended.
final class PluginProcess: Sendable {
    let name: String
    let pid: pid_t
    let io: PluginIO
    private let state: Mutex<State>
    private let sink: any PluginLogSink
    private let now: @Sendable () -> Duration

    private struct State {
        var pending: [Int: CheckedContinuation<CallOutcome, Never>] = [:]
        var exitWaiters: [Int: CheckedContinuation<PluginExit?, Never>] = [:]
        var nextWaiter = 0
        var exit: PluginExit?
        /// Set just before the pid is reaped: from then on the pid may belong to someone else.
        var reaped = false
        var killReason: String?
        var stderr: RingBuffer<String>
    }

    /// Starts `executable`; the process's own threads start with it.
    init(name: String, executable: String, arguments: [String], environment: [String: String], stderrLines: Int,
         maxLineBytes: Int, sink: any PluginLogSink, now: @escaping @Sendable () -> Duration) throws(SpawnError) {
        let child = try spawnChild(executable: executable, arguments: arguments, environment: environment)
        self.name = name
        self.pid = child.pid
        self.sink = sink
        self.now = now
        self.state = Mutex(State(stderr: RingBuffer(capacity: stderrLines)))
        self.io = PluginIO(child: child, maxLineBytes: maxLineBytes, name: name)
        io.start(
            // Strong captures on purpose: the threads keep this object alive until the process has ended.
            onStdoutLine: { line in self.handleStdout(line) },
            onStderrLine: { line in self.handleStderr(line) },
            onReaping: { self.state.withLock { $0.reaped = true } },
            onExit: { status in self.finish(status) }
        )
    }

    /// Sends a request and waits for its answer, the process's end, or the calling task's cancellation.
    /// With `thenCloseStdin`, stdin is closed right behind the request.
    func call(id: Int, line: Data, thenCloseStdin: Bool = false) async -> CallOutcome {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let exit: PluginExit? = state.withLock { state in
                    if let exit = state.exit { return exit }
                    state.pending[id] = continuation
                    return nil
                }
                if let exit { return continuation.resume(returning: .exited(exit)) }
                // Cancelled before the continuation was registered: the handler found nothing to resume.
                if Task.isCancelled, let waiting = state.withLock({ $0.pending.removeValue(forKey: id) }) {
                    return waiting.resume(returning: .cancelled)
                }
                io.write(line)
                if thenCloseStdin { io.closeStdin() }
            }
        } onCancel: {
            state.withLock { $0.pending.removeValue(forKey: id) }?.resume(returning: .cancelled)
        }
    }

    /// Queues a line that expects no answer (a response to a plugin's own request).
    func send(_ line: Data) { io.write(line) }

    /// Closes the plugin's stdin once everything queued is written: a well-behaved plugin exits on EOF.
    func closeStdin() { io.closeStdin() }

    /// Sends `signal` unless the process is already reaped (its pid could then be reused).
    func kill(_ signal: Int32, reason: String? = nil) {
        state.withLock { state in
            guard !state.reaped else { return }
            if state.killReason == nil { state.killReason = reason }
            sendSignal(signal, to: pid)
        }
    }

    /// The process's end, once it happened.
    var exit: PluginExit? { state.withLock { $0.exit } }

    /// Its recent stderr lines, oldest first.
    var stderrTail: [String] { state.withLock { $0.stderr.elements } }

    /// Waits for the process to end; nil when the calling task is cancelled first.
    func waitForExit() async -> PluginExit? {
        let key = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let exit: PluginExit?? = state.withLock { state in
                    if let exit = state.exit { return .some(exit) }
                    state.exitWaiters[key] = continuation
                    return nil
                }
                if let exit { return continuation.resume(returning: exit) }
                if Task.isCancelled, let waiting = state.withLock({ $0.exitWaiters.removeValue(forKey: key) }) {
                    waiting.resume(returning: nil)
                }
            }
        } onCancel: {
            state.withLock { $0.exitWaiters.removeValue(forKey: key) }?.resume(returning: nil)
        }
    }

    // MARK: - Called on the I/O threads

    private func handleStdout(_ event: LineFramer.Event) {
        switch event {
        case .tooLong:
            sink.log(plugin: name, line: "capstan: dropped a stdout line longer than the limit of \(io.maxLineBytes) bytes")
        case .line(let line):
            dispatch(line)
        }
    }

    private func dispatch(_ line: Data) {
        guard !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }) else { return }
        guard let envelope = try? WireCoding.decoder.decode(JSONRPCEnvelope.self, from: line),
              let kind = envelope.kind
        else {
            // Most often a stray print() to stdout: show it rather than fail anything.
            return note("not a JSON-RPC message on stdout", line)
        }
        switch kind {
        case .result(.number(let id)):
            resume(id, with: .result(line))
        case .errorResponse(.number(let id)?, let error):
            resume(id, with: .error(error))
        case .result, .errorResponse:
            note("a response to no request of ours", line)
        case .notification(PluginMethod.log):
            if let params = try? WireCoding.decoder.decode(JSONRPCParams<StageLogParams>.self, from: line).params {
                sink.stageLog(plugin: name, params: params)
            } else {
                note("a log notification without valid params", line)
            }
        case .notification:
            break // Unknown notifications are ignored, as JSON-RPC allows: a newer plugin may send more.
        case .request(let id, let method):
            // The host serves no methods (yet); say so, as JSON-RPC requires.
            let error = JSONRPCError(.methodNotFound, "the host has no method \(method)")
            if let reply = try? WireCoding.line(JSONRPCErrorResponse(id: id, error: error)) { send(reply) }
        }
    }

    /// Logs something odd the plugin wrote, with the start of the line.
    private func note(_ what: String, _ line: Data) {
        sink.log(plugin: name, line: "capstan: \(what): \(String(decoding: line.prefix(500), as: UTF8.self))")
    }

    private func resume(_ id: Int, with outcome: CallOutcome) {
        guard let waiting = state.withLock({ $0.pending.removeValue(forKey: id) }) else {
            // The caller timed out or was cancelled; the answer comes too late.
            return
        }
        waiting.resume(returning: outcome)
    }

    private func handleStderr(_ event: LineFramer.Event) {
        let text = switch event {
        case .line(let line): String(decoding: line, as: UTF8.self)
        case .tooLong: "capstan: dropped a stderr line longer than the limit of \(PluginIO.maxStderrLineBytes) bytes"
        }
        state.withLock { $0.stderr.append(text) }
        sink.log(plugin: name, line: text)
    }

    /// The exit waiter calls this after draining stdout and stderr and reaping the pid.
    private func finish(_ status: PluginExit.Status) {
        let at = now()
        let (exit, pending, waiters) = state.withLock { state in
            let exit = PluginExit(status: status, killReason: state.killReason, stderrTail: state.stderr.elements, at: at)
            state.exit = exit
            defer {
                state.pending = [:]
                state.exitWaiters = [:]
            }
            return (exit, state.pending.values, state.exitWaiters.values)
        }
        for continuation in pending { continuation.resume(returning: .exited(exit)) }
        for continuation in waiters { continuation.resume(returning: exit) }
    }
}
