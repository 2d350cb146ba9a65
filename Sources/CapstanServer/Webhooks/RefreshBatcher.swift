import CapstanCore
import Synchronization

/// Turns a burst of deliveries into few `refresh` calls: while one call is under way, the repositories that
/// later deliveries name are gathered and asked for in a single call once it returns.
///
/// Each delivery returns once a call that covers its repositories has returned — at most the call under way
/// plus one — so nothing a push asked for is dropped, and a storm of pushes makes two calls, not hundreds.
/// The next call is made by the first delivery that waited, so none waits for more than those two.
///
/// A lock rather than an actor: an idle batcher then costs a delivery no hop between executors, only the
/// `refresh` call itself.
final class RefreshBatcher: Sendable {
    private struct State {
        /// Whether a call is under way.
        var busy = false
        /// Repositories asked for since the call under way began.
        var queued: Set<String> = []
        /// Deliveries waiting for the next call; resumed with true for the one that makes it.
        var waiting: [CheckedContinuation<Bool, Never>] = []
    }

    private let sync: any SyncCommands
    private let state = Mutex(State())

    init(_ sync: any SyncCommands) {
        self.sync = sync
    }

    /// Deliveries waiting for the next call (for tests).
    var waitingCount: Int { state.withLock { $0.waiting.count } }

    /// Asks `sync` to fetch `repositories` now, together with whatever else is waiting.
    func refresh(_ repositories: [String]) async {
        // Queuing and deciding to wait happen under one lock, so a call that ends meanwhile cannot miss us.
        let makesTheCall = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let leads = state.withLock { state -> Bool in
                state.queued.formUnion(repositories)
                if state.busy {
                    state.waiting.append(continuation)
                    return false
                }
                state.busy = true
                return true
            }
            if leads { continuation.resume(returning: true) }
        }
        guard makesTheCall else { return }
        // Everyone waiting now has their repositories in this batch; later arrivals wait for the next.
        let (batch, covered) = state.withLock { state in
            defer { state.queued = []; state.waiting = [] }
            return (state.queued.sorted(), state.waiting)
        }
        if !batch.isEmpty { await sync.refresh(repositories: batch) }
        let next = state.withLock { state -> CheckedContinuation<Bool, Never>? in
            guard !state.waiting.isEmpty else {
                state.busy = false
                return nil
            }
            return state.waiting.removeFirst()
        }
        for delivery in covered { delivery.resume(returning: false) }
        next?.resume(returning: true)
    }
}
