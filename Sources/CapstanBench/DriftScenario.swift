import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanPluginKit
import CapstanStore
import CapstanTesting
import Foundation
import Synchronization

/// A full drift pass over 10,000 deployed applications: the real `DriftDetector` over a
/// `SQLiteDeploymentStore` file holding 10,000 applications deployed at the head of one repository (a
/// `GitMirror` of a 10,000-application monorepo read through `GitContextLoader`), asking
/// `capstan-plugin-null` — a real plugin process, through the real `PluginHost` — for each one's live
/// state. The baseline is the bare `liveState` round trips to the same plugin for the same 10,000
/// applications, one after another as the detector asks them.
///
/// The null plugin reports that nothing runs, so every application is OUT_OF_SYNC: the first pass (in
/// `prepare`, timed and printed apart) records that for each; the timed passes find the same verdicts and
/// write nothing, as a steady-state pass does. Peak RSS is the process's VmHWM over the timed passes, reset
/// before them through /proc/self/clear_refs.
struct DriftScenario: Scenario {
    let name = "drift: full pass over 10,000 applications, null plugin"
    let goal = "pass < 60 s, peak RSS < 300 MB"
    let iterations = 3
    static let applications = 10_000

    var itemsPerOp: (count: Int, unit: String)? { (Self.applications, "apps") }

    private var fixture: DriftFixture?

    var notes: [String: Double] { fixture?.notes.withLock { $0 } ?? [:] }

    mutating func prepare() async throws {
        let clock = ContinuousClock()
        let started = clock.now
        let fixture = try await DriftFixture(applications: Self.applications)
        self.fixture = fixture
        print("  built the repository and the store in \(clock.now - started)")
        let first = clock.now
        let statuses = try await fixture.detector.check()
        let firstPass = clock.now - first
        guard statuses.count == Self.applications, statuses.values.allSatisfy({ $0 == .outOfSync }) else {
            let counts = Dictionary(grouping: statuses.values, by: \.rawValue).mapValues(\.count)
            throw BenchError("the first drift pass gave \(counts)")
        }
        fixture.notes.withLock { $0["ours_first_pass_ms"] = firstPass.milliseconds }
        print("  first pass (records OUT_OF_SYNC for all \(Self.applications)): \(firstPass)")
    }

    func ours() async throws {
        guard let fixture else { throw BenchError("not prepared") }
        let statuses = try await fixture.detector.check()
        guard statuses.count == Self.applications else { throw BenchError("a pass checked \(statuses.count) applications") }
    }

    func baseline() async throws {
        guard let fixture else { throw BenchError("not prepared") }
        for (name, commit) in fixture.deployed {
            _ = try await fixture.host.liveState(app: name, deployedCommit: commit)
        }
    }

    /// No untimed pass beyond `prepare`'s (a pass is 10,000 applications); notes peak RSS over the timed ones.
    func samples(_ side: Side, warmup: Int, iterations: Int) async throws -> [Duration] {
        guard let fixture else { throw BenchError("not prepared") }
        let body: () async throws -> Void = {
            switch side {
            case .ours: try await ours()
            case .baseline: try await baseline()
            }
        }
        let before = ProcessMemory.resetPeak()
        let durations = try await measure(warmup: 0, iterations: iterations, body)
        let peak = ProcessMemory.peakMB()
        let key = side == .ours ? "ours" : "baseline"
        fixture.notes.withLock {
            $0["\(key)_rss_before_mb"] = before
            $0["\(key)_peak_rss_mb"] = peak
        }
        print(String(format: "  %@: peak RSS %.0f MB (%.0f MB before the passes)", key, peak, before))
        return durations
    }

    mutating func tearDown() async {
        await fixture?.close()
        fixture = nil
    }
}

/// The process's resident memory from /proc/self/status.
enum ProcessMemory {
    /// Resets the peak (VmHWM) to the current RSS (`echo 5 > /proc/self/clear_refs`); returns the RSS in MB.
    static func resetPeak() -> Double {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        return field("VmRSS")
    }

    /// The peak RSS (VmHWM) in MB.
    static func peakMB() -> Double { field("VmHWM") }

    private static func field(_ name: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
            return (kilobytes / 1024 * 10).rounded() / 10
        }
        return 0
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1e3 + Double(components.attoseconds) / 1e15 }
}

/// A monorepo of 10,000 applications (a `capstan.yaml` and a `service.yaml` each, in 100 folders of 100),
/// mirrored; a store file recording each deployed at its head; the null plugin behind a `PluginHost`; and
/// the `DriftDetector` wired as `capstan serve` wires it.
final class DriftFixture: Sendable {
    let repo: GitFixture
    let folder: URL
    let store: SQLiteDeploymentStore
    let host: PluginHost
    let detector: DriftDetector
    let deployed: [(name: String, commit: CommitID)]
    let notes = Mutex<[String: Double]>([:])

    init(applications: Int) async throws {
        repo = try GitFixture.create()
        var paths: [(name: String, config: String)] = []
        for index in 0..<applications {
            let name = String(format: "app-%05d", index)
            let dir = String(format: "apps/g%03d/%@", index / 100, name)
            try repo.write("\(dir)/capstan.yaml", """
                apiVersion: capstan/v1
                kind: Application
                name: \(name)
                labels: {team: t\(index % 17)}
                target: local
                manifests: [service.yaml]

                """)
            try repo.write("\(dir)/service.yaml", StageOverheadScenario.manifest.replacingOccurrences(of: "name: checkout", with: "name: \(name)"))
            paths.append((name, "\(dir)/capstan.yaml"))
        }
        let head = try repo.commit("\(applications) applications")
        let url = try SQLiteDeploymentStore.temporaryURL(inMemory: false)
        folder = url.deletingLastPathComponent()
        store = try SQLiteDeploymentStore.open(at: url)
        let mirror = try GitMirror(remote: repo.path.path, cacheDirectory: folder.appendingPathComponent("cache"))
        _ = try await mirror.fetch()
        let now = Date()
        for chunk in stride(from: 0, to: paths.count, by: 1_000) {
            let records = paths[chunk..<min(chunk + 1_000, paths.count)].map {
                AppRecord(name: $0.name, repository: "apps", configPath: $0.config, status: .synced,
                          lastDeployedCommit: head, updatedAt: now)
            }
            try await store.write(records.map { .upsertApp($0) }, events: [])
        }
        deployed = paths.map { ($0.name, head) }
        host = PluginHost(PluginHost.Configuration(
            name: "null", executable: try StageOverheadFixture.pluginExecutable().path, target: "local",
            dataDirectory: folder.appendingPathComponent("plugins/null").path))
        _ = try await host.capabilities()
        let loader = GitContextLoader(source: mirror, store: store, checkoutRoot: folder.appendingPathComponent("checkouts"))
        detector = DriftDetector(store: store, readers: ["apps": loader], platforms: ["local": host])
    }

    func close() async {
        await host.shutdown()
        try? store.close()
        try? FileManager.default.removeItem(at: folder)
        repo.delete()
    }
}
