public import CapstanCore
public import Foundation
public import Logging
import Synchronization

/// Sends events to the configured receivers (`notifications:`) through a persisted outbox.
///
/// It follows the event log from each receiver's cursor and queues a delivery per matching event — rows and
/// cursors in one transaction, so an event is queued once even across a crash — then delivers each receiver's
/// queue in event order, retrying failures with exponential backoff and full jitter (``RetryPolicy``), at
/// least once per delivery id. The engine only appends events and never waits for it; each receiver has
/// its own loop, so one that is down or hangs holds back nobody else.
///
/// `run()` returns after ``stop()`` once every request in flight has its answer (at most the transport's
/// timeout), so its outcome is recorded and a graceful restart sends nothing twice; it also returns when
/// its task is cancelled, leaving a request in flight unrecorded (sent again at the next start, with the
/// same delivery id).
public final class Notifier: Sendable {
    /// How the notifier paces itself.
    public struct Settings: Sendable {
        public var retry: RetryPolicy
        /// How often the event log is read for new events.
        public var pollInterval: Duration
        /// The most events read in one pass.
        public var batchSize: Int
        /// Delivered and dead deliveries are kept this long (for inspection), then removed.
        public var retention: Duration

        public init(retry: RetryPolicy = .notifications, pollInterval: Duration = .seconds(1), batchSize: Int = 500,
                    retention: Duration = .seconds(7 * 24 * 3600)) {
            self.retry = retry
            self.pollInterval = pollInterval
            self.batchSize = max(1, batchSize)
            self.retention = retention
        }
    }

    let targets: [NotificationTarget]
    let store: any DeploymentStore
    let outbox: any NotificationOutbox
    let transport: any NotificationTransport
    let settings: Settings
    let clock: any Clock<Duration>
    /// Wall-clock time: when attempts are due is stored, and must mean the same after a restart.
    let now: @Sendable () -> Date
    /// A number in [0, 1) per retry, for the jitter.
    let random: @Sendable () -> Double
    let logger: Logger
    /// One per receiver: fired when something was queued for it, and by ``stop()``.
    let wakes: [String: PollTrigger]
    let followWake = PollTrigger()
    let pruneWake = PollTrigger()
    private let stopping = Atomic<Bool>(false)

    public init(targets: [NotificationTarget], store: any DeploymentStore, outbox: any NotificationOutbox,
                transport: any NotificationTransport, settings: Settings = Settings(),
                clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = Date.init,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
                logger: Logger = Logger(label: "capstan.notifier")) {
        self.targets = targets
        self.store = store
        self.outbox = outbox
        self.transport = transport
        self.settings = settings
        self.clock = clock
        self.now = now
        self.random = random
        self.logger = logger
        self.wakes = Dictionary(targets.map { ($0.config.name, PollTrigger()) }, uniquingKeysWith: { first, _ in first })
    }

    /// Gives each receiver that has no cursor yet one at the end of the event log: a new receiver gets the
    /// events from now on, not the whole history. Call it before anything appends events (the server does,
    /// before its services start); `run()` calls it too.
    public func prepare() async throws {
        var moves: [OutboxCursorMove] = []
        var end: Int64?
        for target in targets where try await outbox.cursor(of: target.config.name) == nil {
            if end == nil { end = try await store.lastSequence() }
            moves.append(OutboxCursorMove(notification: target.config.name, from: nil, to: end!))
        }
        try await outbox.enqueue([], moving: moves)
    }

    /// Follows the event log and delivers until ``stop()`` or cancellation.
    public func run() async {
        guard !targets.isEmpty else {
            while !isStopping { try? await followWake.wait(.seconds(3600), on: clock) }
            return
        }
        while !isStopping {
            do {
                try await prepare()
                break
            } catch {
                logger.warning("notifier: cannot read the store, trying again: \(error)")
                try? await followWake.wait(settings.pollInterval, on: clock)
            }
        }
        await withDiscardingTaskGroup { group in
            group.addTask { await self.follow() }
            for target in targets {
                group.addTask { await self.deliver(to: target) }
            }
            group.addTask { await self.prune() }
        }
    }

    /// Asks `run()` to return: no new attempt starts; one in flight finishes and is recorded first.
    public func stop() {
        stopping.store(true, ordering: .releasing)
        followWake.fire()
        pruneWake.fire()
        for wake in wakes.values { wake.fire() }
    }

    var isStopping: Bool { stopping.load(ordering: .acquiring) || Task.isCancelled }

    /// Removes finished deliveries older than the retention, once an hour.
    private func prune() async {
        while !isStopping {
            let cutoff = now().addingTimeInterval(-Self.seconds(settings.retention))
            do {
                try await outbox.prune(finishedBefore: cutoff)
            } catch {
                logger.warning("notifier: cannot prune old deliveries: \(error)")
            }
            try? await pruneWake.wait(.seconds(3600), on: clock)
        }
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
