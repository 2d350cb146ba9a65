import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanStore
import CapstanTesting
import Foundation

/// Issue 8, scenario 1: a push that touches one application of a 10,000-application monorepo, from the refresh a
/// webhook triggers to that application's deployment recorded (PENDING, its stages planned), against the same in
/// a repository of one application.
///
/// Real parts: a `GitMirror` fetching over file:// from a repository written by `git fast-import`,
/// `RepositoryReconciler` (fetch, resolve, discovery, changed paths, matching, planning), `SQLiteDeploymentStore`
/// on disk. The timed op is `reconcile()`, which is what a webhook's refresh runs (the route fires the
/// repository's `PollTrigger`, whose poll loop calls it). Before each op, untimed, the remote's `main` moves to
/// the next commit. Every application starts deployed at the first commit (its record names it), as in a
/// repository Capstan has watched for a while.
///
/// It also reports the process CPU time (getrusage: user + system, all threads) per reconcile on each side; the
/// difference is what the 9,999 untouched applications cost.
struct MonorepoScenario: Scenario {
    let name = "monorepo: push touching 1 of 10,000 apps -> deployment planned"
    let goal = "p99 < 100 ms"
    let iterations = 100

    /// 10,000; `CAPSTAN_BENCH_APPS` sets another count (for profiling runs).
    static let apps = ProcessInfo.processInfo.environment["CAPSTAN_BENCH_APPS"].flatMap(Int.init) ?? 10_000

    private var sides: [Side: SideFixture] = [:]

    final class SideFixture: @unchecked Sendable {
        let repo: MonorepoFixture
        let folder: URL
        let store: SQLiteDeploymentStore
        let reconciler: RepositoryReconciler
        var tip: CommitID
        var version = 0
        var cpu: [Double] = []
        var firstPlan: Duration = .zero

        init(apps: Int) async throws {
            let repo = try MonorepoFixture(apps: apps)
            self.repo = repo
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-bench-monorepo-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            store = try SQLiteDeploymentStore.open(at: folder.appendingPathComponent("capstan.sqlite"))
            tip = repo.initial
            let now = Date()
            let records = (0..<apps).map { index in
                StoreChange.upsertApp(AppRecord(
                    name: MonorepoFixture.appName(index), repository: "mono", configPath: MonorepoFixture.folder(index) + "/capstan.yaml",
                    status: .synced, lastDeployedCommit: repo.initial, updatedAt: now, labels: ["team": "bench", "tier": "web"]))
            }
            try await store.write(records, events: [])
            let mirror = try GitMirror(remote: repo.remote, cacheDirectory: folder.appendingPathComponent("mirrors"))
            reconciler = RepositoryReconciler(repository: RepositoryConfig(name: "mono", url: repo.remote), source: mirror,
                                              store: store)
            // The first reconcile clones and discovers every application; nothing is deployed (all are at this commit).
            let clock = ContinuousClock()
            let start = clock.now
            let outcome = try await reconciler.reconcile()
            firstPlan = clock.now - start
            guard outcome.error == nil, outcome.head == repo.initial, outcome.created.isEmpty, outcome.invalid.isEmpty else {
                throw BenchError("first reconcile: \(outcome)")
            }
        }

        /// `count` commits after the tip, each touching one application (a different one each time when there are many).
        func commits(_ count: Int) throws -> [CommitID] {
            let apps = repo.apps
            let base = version
            let commits = try repo.commits(after: tip, count: count, touched: { k in ((base + k) * 7919 + 13) % apps },
                                           version: version)
            version += count
            return commits
        }

        /// Marks the deployments SUCCESS and their commit deployed, as the runner would before the next push
        /// (untimed): otherwise every later commit would plan the still-pending application again.
        func finish(_ ids: [DeploymentID]) async throws {
            for id in ids {
                guard var deployment = try await store.deployment(id), var app = try await store.app(deployment.app) else {
                    throw BenchError("deployment \(id) is not stored")
                }
                deployment.state = .success
                app.lastDeployedCommit = deployment.commit
                app.status = .synced
                try await store.write([.updateDeployment(deployment, expecting: .pending), .upsertApp(app)], events: [])
            }
        }

        func delete() {
            try? FileManager.default.removeItem(at: folder)
            repo.git.delete()
        }
    }

    mutating func prepare() async throws {
        let clock = ContinuousClock()
        var start = clock.now
        let ours = try await SideFixture(apps: Self.apps)
        print("  \(Self.apps) applications written and first reconcile (clone + full discovery) in \(clock.now - start); "
              + "first reconcile alone \(ours.firstPlan)")
        start = clock.now
        let baseline = try await SideFixture(apps: 1)
        print("  1 application: \(clock.now - start), first reconcile \(baseline.firstPlan)")
        sides = [.ours: ours, .baseline: baseline]
    }

    func ours() async throws {}
    func baseline() async throws {}

    func samples(_ side: Side, warmup: Int, iterations: Int) async throws -> [Duration] {
        guard let fixture = sides[side] else { throw BenchError("not prepared") }
        let commits = try fixture.commits(warmup + iterations)
        let clock = ContinuousClock()
        var durations: [Duration] = []
        var cpu: [Double] = []
        for (k, commit) in commits.enumerated() {
            try fixture.repo.push(commit)
            let cpuStart = Self.cpuSeconds()
            let start = clock.now
            let outcome = try await fixture.reconciler.reconcile()
            let elapsed = clock.now - start
            let cpuUsed = Self.cpuSeconds() - cpuStart
            guard outcome.head == commit, outcome.created.count == 1, outcome.error == nil else {
                let apps = try await fixture.store.deployments(app: nil, state: nil, limit: 10).map { "\($0.app)@\($0.commit.short)" }
                throw BenchError("reconcile of \(commit.short): \(outcome); deployments: \(apps)")
            }
            fixture.tip = commit
            try await fixture.finish(outcome.created)
            if k >= warmup {
                durations.append(elapsed)
                cpu.append(cpuUsed)
            }
        }
        fixture.cpu = cpu
        let cpuMs = Timing(cpu.map { .nanoseconds(Int64($0 * 1e9)) })
        print(String(format: "  %@: CPU per reconcile %.2f ms median (p99 %.2f ms)", side == .ours ? "10,000 apps" : "1 app",
                     cpuMs.medianMs, cpuMs.p99Ms))
        if side == .baseline, let ours = sides[.ours] {
            let oursCPU = Timing(ours.cpu.map { .nanoseconds(Int64($0 * 1e9)) })
            print(String(format: "  CPU on the %d untouched applications per commit: %.2f ms median (%.2f µs per app)",
                         Self.apps - 1, oursCPU.medianMs - cpuMs.medianMs,
                         (oursCPU.medianMs - cpuMs.medianMs) * 1000 / Double(max(Self.apps - 1, 1))))
        }
        return durations
    }

    mutating func tearDown() async {
        for fixture in sides.values { fixture.delete() }
        sides = [:]
    }

    /// User + system CPU time of the whole process, in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
