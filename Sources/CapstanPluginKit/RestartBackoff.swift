/// How long the host waits before starting a plugin again after it failed: `initial`, doubled per
/// consecutive failure, never more than `cap`.
public struct RestartBackoff: Sendable, Hashable {
    public var initial: Duration
    public var cap: Duration

    public init(initial: Duration = .milliseconds(500), cap: Duration = .seconds(30)) {
        precondition(initial > .zero && cap >= initial, "backoff needs 0 < initial <= cap")
        self.initial = initial
        self.cap = cap
    }

    /// The wait after `failures` consecutive failures: zero for none, then initial, 2×initial, … up to cap.
    public func delay(afterFailures failures: Int) -> Duration {
        guard failures > 0 else { return .zero }
        var delay = initial
        // Doubling stops at the cap, so a plugin that failed a thousand times cannot overflow it.
        for _ in 1..<failures where delay < cap {
            delay *= 2
        }
        return min(delay, cap)
    }
}

/// The host's memory of a plugin's failures: whether to wait before the next start, and until when.
///
/// Pure: the host feeds it what happened and the clock's reading, and asks how long to wait.
/// A failure is a process that died unasked, missed a deadline, or failed to start; the count
/// goes back to zero once a start completes (initialize and capabilities answered), so a plugin
/// that crashes on one request is restarted after `initial`, and one that cannot start at all
/// backs off up to `cap`.
public struct RestartPolicy: Sendable, Hashable {
    public let backoff: RestartBackoff
    /// Failures since the last completed start.
    public private(set) var consecutiveFailures = 0
    /// The clock reading of the last failure.
    public private(set) var lastFailureAt: Duration?

    public init(backoff: RestartBackoff) {
        self.backoff = backoff
    }

    /// Records a failure seen at `at`.
    public mutating func failed(at: Duration) {
        consecutiveFailures += 1
        lastFailureAt = at
    }

    /// Records a completed start.
    public mutating func started() {
        consecutiveFailures = 0
        lastFailureAt = nil
    }

    /// The clock reading before which no new start may begin; nil when a start may begin at once.
    public func earliestStart(now: Duration) -> Duration? {
        guard let lastFailureAt else { return nil }
        let earliest = lastFailureAt + backoff.delay(afterFailures: consecutiveFailures)
        return earliest > now ? earliest : nil
    }
}

/// An injected clock seen as "time since the host was made", so that instants of any clock can be
/// stored and compared without knowing the clock's type.
struct HostClock: Sendable {
    let now: @Sendable () -> Duration
    let sleepUntil: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleepUntil = { reading in try await clock.sleep(until: origin.advanced(by: reading), tolerance: nil) }
    }

    func sleep(for duration: Duration) async throws {
        try await sleepUntil(now() + duration)
    }
}
