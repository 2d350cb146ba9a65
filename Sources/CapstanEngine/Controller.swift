public import CapstanCore
public import Foundation
import CapstanGit
public import Logging
import Metrics
import Synchronization

/// The engine's main loop: polls every watched repository on its interval and runs deployments,
/// at most one per application at a time, resuming whatever a previous process left running.
///
/// `run()` returns when its task is cancelled (graceful shutdown): polling stops, and each running
/// deployment stops at its current stage, which stays RUNNING in the store so the next start
/// resumes it — plugins make stages idempotent, so a stage run again converges rather than repeats.
public final class Controller: Sendable {
    let reconcilers: [RepositoryReconciler]
    let runner: DeploymentRunner
    let store: any DeploymentStore
    let clock: any Clock<Duration>
    /// How often the dispatcher looks for deployments to run when nothing wakes it sooner.
    let dispatchInterval: Duration
    let drift: DriftDetector?
    let driftInterval: Duration
    /// Wall-clock time for records (approvals).
    let clockNow: @Sendable () -> Date
    /// Where a poll's problems go (once per distinct problem): events record them too, unless the store
    /// itself is what fails.
    let logger: Logger
    private let running = Mutex<Set<String>>([])
    /// One per repository, by name: a webhook's refresh wakes that repository's poll loop.
    let triggers: [String: PollTrigger]
    private let wake: AsyncStream<Void>.Continuation
    private let wakes: AsyncStream<Void>

    public init(reconcilers: [RepositoryReconciler], runner: DeploymentRunner, store: any DeploymentStore,
                clock: any Clock<Duration> = ContinuousClock(), dispatchInterval: Duration = .seconds(1),
                drift: DriftDetector? = nil, driftInterval: Duration = .seconds(30),
                now: @escaping @Sendable () -> Date = Date.init, logger: Logger = Logger(label: "capstan.controller")) {
        self.clockNow = now
        self.logger = logger
        self.reconcilers = reconcilers
        self.triggers = Dictionary(reconcilers.map { ($0.repository.name, PollTrigger()) }, uniquingKeysWith: { first, _ in first })
        self.runner = runner
        self.store = store
        self.clock = clock
        self.dispatchInterval = dispatchInterval
        self.drift = drift
        self.driftInterval = driftInterval
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Runs until cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            for reconciler in reconcilers {
                group.addTask { await self.poll(reconciler) }
            }
            group.addTask { await self.dispatch() }
            if let drift {
                group.addTask { [clock, driftInterval, wake] in
                    while (try? await clock.sleep(for: driftInterval)) != nil {
                        _ = try? await drift.check()
                        wake.yield()  // a self-heal may have recorded a deployment
                    }
                }
            }
        }
    }

    /// Looks for deployments to run now rather than at the next tick.
    func wakeDispatcher() { wake.yield() }

    /// The applications with a deployment in progress in this process.
    public var busyApps: Set<String> { running.withLock { $0 } }

    private func poll(_ reconciler: RepositoryReconciler) async {
        let interval = reconciler.repository.pollInterval
        let name = reconciler.repository.name
        let timer = Metrics.Timer(label: "capstan_poll_duration_seconds", dimensions: [("repository", name)],
                                  preferredDisplayUnit: .seconds)
        var problem: String?
        while !Task.isCancelled {
            let started = ContinuousClock.now
            let outcome: RepositoryReconciler.Outcome?
            var now: String?
            do {
                outcome = try await reconciler.reconcile()
                if let error = outcome?.error { now = "\(error)" }
            } catch {
                // The store refused the poll's records (a full or read-only disk): nothing can deploy until it
                // takes writes again, and no event can say so — only the log.
                outcome = nil
                now = "cannot record this poll, so nothing deploys until the store takes writes again: \(error)"
            }
            timer.record(since: started)
            if let error = outcome?.error {
                Counter(label: "capstan_git_errors_total", dimensions: [("repository", name), ("code", error.code.rawValue)]).increment()
            }
            if now != problem {
                if let now {
                    logger.error("repository \(name): \(now)")
                } else if problem != nil {
                    logger.info("repository \(name): polls work again")
                }
                problem = now
            }
            if let outcome, !outcome.created.isEmpty { wake.yield() }
            do { try await triggers[name]!.wait(interval, on: clock) } catch { return }
        }
    }

    private func dispatch() async {
        await withDiscardingTaskGroup { group in
            // The ticker and the wake-ups feed one loop, so a new deployment starts at once.
            group.addTask { [wake, clock, dispatchInterval] in
                while (try? await clock.sleep(for: dispatchInterval)) != nil { wake.yield() }
            }
            wake.yield()
            for await _ in wakes {
                if Task.isCancelled { break }
                for id in (try? await nextDeployments()) ?? [] {
                    group.addTask { await self.runToEnd(id) }
                }
            }
            group.cancelAll()
        }
    }

    /// One deployment per application not already busy: an interrupted one first, else the oldest waiting.
    func nextDeployments() async throws -> [(app: String, id: DeploymentID)] {
        var candidates: [String: Deployment] = [:]
        for state in [DeploymentState.planned, .pending, .running, .rollingBack] {
            for deployment in try await store.deployments(app: nil, state: state, limit: 10_000) {
                let current = candidates[deployment.app]
                let inFlight = deployment.state == .running || deployment.state == .rollingBack
                if current == nil || inFlight || (current!.state != .running && current!.state != .rollingBack
                    && deployment.createdAt < current!.createdAt) {
                    candidates[deployment.app] = deployment
                }
            }
        }
        return running.withLock { busy in
            let chosen = candidates.values.filter { !busy.contains($0.app) }.sorted { $0.createdAt < $1.createdAt }
            for deployment in chosen { busy.insert(deployment.app) }
            return chosen.map { ($0.app, $0.id) }
        }
    }

    private func runToEnd(_ next: (app: String, id: DeploymentID)) async {
        defer {
            running.withLock { _ = $0.remove(next.app) }
            wake.yield()  // the application may have another deployment waiting
        }
        let state = try? await runner.run(next.id)
        // Not finished (a store error, a plugin gone mid-stage): pause before it is picked up again,
        // so a persistent problem is retried each tick rather than in a tight loop.
        if state.map({ !$0.isFinal }) ?? true { try? await clock.sleep(for: dispatchInterval) }
    }
}
