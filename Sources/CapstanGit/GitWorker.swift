import Dispatch
import Synchronization

/// Runs blocking libgit2 work on a serial queue that owns one session (and its repository
/// handle), never on Swift's cooperative pool, with a deadline enforced on the caller's side.
///
/// libgit2 1.5 blocks its thread in network reads and has no server timeout, so the deadline
/// cannot interrupt a silent remote: the caller gets `.timeout` at once, the operation's cancel
/// flag is set (fetch callbacks check it and abort the transfer), and the queue stays busy
/// until the socket fails. Later calls on the same worker wait behind it within their own deadline.
final class GitWorker<Session: AnyObject>: Sendable {
    private let confined: QueueConfined<Session>

    init(label: String, session: Session) {
        self.confined = QueueConfined(DispatchQueue(label: "capstan.git.\(label)"), session)
    }

    /// Runs `body` on the worker queue; throws `.timeout` when `timeout` passes first and
    /// `.cancelled` when the calling task is cancelled.
    func run<T: Sendable>(
        _ operation: String,
        context: GitContext,
        timeout: Duration,
        _ body: @escaping @Sendable (Session, OperationControl) throws(GitError) -> T
    ) async throws(GitError) -> T {
        let control = OperationControl()
        let completion = Completion<T>()
        // A plain deferred block rather than a cancellable DispatchWorkItem (not Sendable):
        // once the operation finished, `finish` ignores it, and it holds only two small objects.
        let onDeadline: @Sendable () -> Void = {
            let message = control.hasStarted
                ? "did not finish within \(timeout); it was told to stop"
                : "still waiting for an earlier operation on this repository after \(timeout)"
            if completion.finish(.failure(context.error(.timeout, operation, message))) { control.cancel() }
        }
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                completion.install(continuation)
                DispatchQueue.global().asyncAfter(deadline: .now() + timeout.dispatchInterval, execute: onDeadline)
                confined.async { session in
                    // Timed out or cancelled while queued: the caller has gone, so don't start.
                    guard control.begin() else { return }
                    let result = Result { () throws(GitError) -> T in try body(session, control) }
                    _ = completion.finish(result)
                }
            }
        } onCancel: {
            if completion.finish(.failure(context.error(.cancelled, operation, "the calling task was cancelled"))) { control.cancel() }
        }
        return try result.get()
    }
}

/// A value only ever touched on `queue`: the one place where we vouch for Sendable by hand.
private final class QueueConfined<Value: AnyObject>: @unchecked Sendable {
    private let queue: DispatchQueue
    private let value: Value

    init(_ queue: DispatchQueue, _ value: Value) {
        self.queue = queue
        self.value = value
    }

    func async(_ work: @escaping @Sendable (Value) -> Void) {
        queue.async {
            dispatchPrecondition(condition: .onQueue(self.queue))
            work(self.value)
        }
    }
}

/// Shared by the caller's deadline and the worker: set once the caller stops waiting.
final class OperationControl: Sendable {
    private let cancelled = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)

    /// True once the caller timed out or was cancelled; libgit2 callbacks then abort.
    var isCancelled: Bool { cancelled.load(ordering: .acquiring) }
    var hasStarted: Bool { started.load(ordering: .acquiring) }

    func cancel() { cancelled.store(true, ordering: .releasing) }

    /// Marks the work as started; false when the caller already gave up.
    func begin() -> Bool {
        started.store(true, ordering: .releasing)
        return !isCancelled
    }
}

/// Resumes a continuation exactly once, whichever of result, deadline or cancellation comes
/// first — including a cancellation that arrives before the continuation exists.
private final class Completion<T: Sendable>: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<Result<T, GitError>, Never>)
        case early(Result<T, GitError>)
        case done
    }

    private let state = Mutex<State>(.idle)

    func install(_ continuation: CheckedContinuation<Result<T, GitError>, Never>) {
        let early: Result<T, GitError>? = state.withLock { state in
            switch state {
            case .early(let result):
                state = .done
                return result
            case .idle:
                state = .waiting(continuation)
                return nil
            case .waiting, .done:
                return nil
            }
        }
        if let early { continuation.resume(returning: early) }
    }

    /// Delivers `result` unless another one came first; true when this one won.
    func finish(_ result: Result<T, GitError>) -> Bool {
        let (won, waiting): (Bool, CheckedContinuation<Result<T, GitError>, Never>?) = state.withLock { state in
            switch state {
            case .waiting(let continuation):
                state = .done
                return (true, continuation)
            case .idle:
                state = .early(result)
                return (true, nil)
            case .early, .done:
                return (false, nil)
            }
        }
        waiting?.resume(returning: result)
        return won
    }
}

extension Duration {
    /// For Dispatch deadlines; negative durations count as zero.
    var dispatchInterval: DispatchTimeInterval {
        let (seconds, attoseconds) = components
        let nanoseconds = Double(seconds) * 1e9 + Double(attoseconds) / 1e9
        return .nanoseconds(Int(min(max(nanoseconds, 0), Double(Int32.max) * 1e9)))
    }
}
