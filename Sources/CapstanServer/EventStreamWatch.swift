import CapstanCore
import Synchronization

/// The one poll of the store's last sequence that every open event stream shares: however many clients
/// follow the log, the store is asked once per interval, and a stream reads events only when there are new
/// ones.
///
/// No task of its own (libraries start none): one of the waiting streams does the polling, in its own
/// request's task, and publishes what it saw to the others; when it goes away (its client left), the next
/// waiter takes over. Every publish wakes every waiter, which is how waiters notice their own deadlines
/// (heartbeats) without a timer each.
final class EventStreamWatch: Sendable {
    /// Thrown by ``wait(beyond:until:)`` once the server shuts down.
    struct Stopped: Error {}

    private struct State {
        /// The highest sequence a poll saw.
        var latest: Int64 = 0
        /// Whether a waiter is polling now.
        var polling = false
        var stopped = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Waiters cancelled before they registered.
        var cancelled: Set<Int> = []
        var nextID = 0

        mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
            defer { waiters.removeAll() }
            return Array(waiters.values)
        }
    }

    private enum Role {
        case done(Int64)
        case poll
        case wait
    }

    private let store: any DeploymentStore
    private let interval: Duration
    private let state = Mutex(State())

    init(store: any DeploymentStore, interval: Duration) {
        self.store = store
        self.interval = interval
    }

    /// Returns the highest sequence known, as soon as it is past `cursor` or once `deadline` has come.
    ///
    /// Throws `CancellationError` when the caller's task is cancelled, ``Stopped`` after ``stop()``, and the
    /// store's error when this caller's poll fails.
    func wait(beyond cursor: Int64, until deadline: ContinuousClock.Instant) async throws -> Int64 {
        while true {
            try Task.checkCancellation()
            let now = ContinuousClock.now
            let role: Role? = state.withLock { state in
                if state.stopped { return nil }
                if state.latest > cursor || now >= deadline { return .done(state.latest) }
                if state.polling { return .wait }
                state.polling = true
                return .poll
            }
            switch role {
            case nil: throw Stopped()
            case .done(let latest): return latest
            case .poll: try await poll(until: deadline)
            case .wait: await nextPublish()
            }
        }
    }

    /// Ends every wait, now and later: the server is shutting down.
    func stop() {
        let waiters = state.withLock { state in
            state.stopped = true
            return state.takeWaiters()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Sleeps one interval (less when the poller's own deadline comes first), asks the store, and wakes
    /// everyone with the answer. On failure or cancellation it hands the role on and wakes everyone too.
    private func poll(until deadline: ContinuousClock.Instant) async throws {
        do {
            let pause = min(interval, deadline - ContinuousClock.now)
            if pause > .zero { try await Task.sleep(for: pause) }
            let last = try await store.lastSequence()
            publish(last)
        } catch {
            publish(nil)
            throw error
        }
    }

    private func publish(_ last: Int64?) {
        let waiters = state.withLock { state in
            if let last { state.latest = max(state.latest, last) }
            state.polling = false
            return state.takeWaiters()
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Suspends until the next publish (or stop, or cancellation). Returns at once when nobody polls, so
    /// that the caller takes the role: a poller that gave up between the caller's check and now wakes nobody.
    private func nextPublish() async {
        let id = state.withLock { state in
            defer { state.nextID += 1 }
            return state.nextID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.stopped || !state.polling || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                guard let waiter = state.waiters.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return nil as CheckedContinuation<Void, Never>?
                }
                return waiter
            }
            waiter?.resume()
        }
        // A cancellation that came after the wake-up left its mark: clear it.
        _ = state.withLock { $0.cancelled.remove(id) }
    }
}
