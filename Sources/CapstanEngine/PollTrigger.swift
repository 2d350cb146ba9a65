import Synchronization

/// Lets a webhook cut a repository's poll interval short. Fires while the poller is busy are kept (once):
/// a burst of webhooks during a fetch becomes one more fetch, not one per webhook.
final class PollTrigger: Sendable {
    private let state = Mutex<(pending: Bool, waiting: AsyncStream<Void>.Continuation?)>((false, nil))

    /// Wakes the poller now, or as soon as it next waits.
    func fire() {
        state.withLock { state in
            if let waiting = state.waiting {
                waiting.yield()
            } else {
                state.pending = true
            }
        }
    }

    /// Waits `interval` on `clock`, or until fired; throws when the task is cancelled.
    func wait(_ interval: Duration, on clock: any Clock<Duration>) async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let fired = state.withLock { state -> Bool in
            if state.pending {
                state.pending = false
                return true
            }
            state.waiting = continuation
            return false
        }
        guard !fired else { return }
        defer { state.withLock { $0.waiting = nil } }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await clock.sleep(for: interval)
                continuation.yield()
            }
            for await _ in stream { break }
            group.cancelAll()
        }
        try Task.checkCancellation()
    }
}
