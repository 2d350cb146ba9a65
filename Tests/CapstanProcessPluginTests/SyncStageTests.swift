import CapstanCore
import CapstanPluginKit
import Foundation
import Synchronization
import Testing
@testable import capstan_plugin_process

/// SYNC and ROLLBACK with real Python instances behind a real HAProxy on loopback.
@Suite(.serialized)
struct SyncStageTests {
    static let v1 = ProcessPluginFixture.commit("1")
    static let v2 = ProcessPluginFixture.commit("2")

    @Test func syncServesTheNewVersionWithoutAFailedRequestAndStopsTheOld() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            let log = StageLogLines()
            try fixture.checkout(Self.v1, version: "1.0.0")
            let first = try await plugin.executeStage(fixture.params(.sync, commit: Self.v1), log: log.logger)
            #expect(first.status == .success, "\(first.reason ?? "")")
            #expect(fixture.servedVersion() == "1.0.0")
            let v1Processes = try fixture.state().instances.map(\.process)
            #expect(v1Processes.count == 2)

            try fixture.checkout(Self.v2, version: "2.0.0")
            let traffic = TrafficLoop(port: fixture.frontendPort)
            traffic.start()
            try await Task.sleep(for: .milliseconds(300))
            let second = try await plugin.executeStage(
                fixture.params(.sync, commit: Self.v2, previous: Self.v1, deployment: "d-2"), log: log.logger)
            try await Task.sleep(for: .milliseconds(300))
            let counts = traffic.stop()
            #expect(second.status == .success, "\(second.reason ?? "")")
            #expect(fixture.servedVersion() == "2.0.0")
            #expect(counts.succeeded > 20)
            #expect(counts.failed == 0, "\(counts.failed) of \(counts.succeeded + counts.failed) requests failed")
            #expect(counts.versions == ["1.0.0", "2.0.0"])
            #expect(v1Processes.allSatisfy { !$0.isAlive })
            let state = try fixture.state()
            #expect(state.instances.count == 2 && state.instances.allSatisfy { $0.commit == Self.v2 && $0.weight == WeightFormula.maxWeight })
            #expect(log.all.contains { $0.contains("weights") })
            #expect(log.all.contains { $0.hasPrefix("stopped hello") })
        }
    }

    @Test func aRepeatedStageStartsNoSecondCopy() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            let log = StageLogLines()
            try fixture.checkout(Self.v1, version: "1.0.0")
            _ = try await plugin.executeStage(fixture.params(.sync, commit: Self.v1), log: log.logger)
            let before = try fixture.state().instances.map(\.process)

            // The same stage again (a restarted server), then the same commit from another deployment
            // with a fresh plugin (no stage record can help: only convergence does).
            let again = try await plugin.executeStage(fixture.params(.sync, commit: Self.v1, attempt: 2), log: log.logger)
            #expect(again.status == .success)
            let fresh = try await fixture.plugin()
            let other = try await fresh.executeStage(fixture.params(.sync, commit: Self.v1, deployment: "d-9"), log: log.logger)
            #expect(other.status == .success, "\(other.reason ?? "")")
            #expect(try fixture.state().instances.map(\.process) == before)
            #expect(!log.all.contains { $0.hasPrefix("stopped") })
            #expect(fixture.servedVersion() == "1.0.0")
        }
    }

    // An exit is seen at once, so that case has a long health timeout (Python may need a second to start
    // when other suites load the machine); the other has a short one, which bounds the stage.
    @Test(arguments: [
        ("exits at start", #"["python3", "-c", "import sys; print('boom: no config', file=sys.stderr); sys.exit(3)"]"#, "boom: no config"),
        ("never healthy", #"["python3", "-c", "import time; time.sleep(60)"]"#, "was not ready within 1s"),
    ])
    func aServiceThatNeverGetsReadyFailsAndTheOldVersionKeepsServing(
        _ name: String, command: String, expected: String
    ) async throws {
        let timeout = name == "exits at start" ? "10s" : "1s"
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            let log = StageLogLines()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            _ = try await plugin.executeStage(fixture.params(.sync, commit: Self.v1), log: log.logger)

            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 1, command: command, health: "{http: /healthz, timeout: \(timeout)}")
            let clock = ContinuousClock()
            let started = clock.now
            let result = try await plugin.executeStage(
                fixture.params(.sync, commit: Self.v2, previous: Self.v1, deployment: "d-2"), log: log.logger)
            #expect(clock.now - started < .seconds(4))
            #expect(result.status == .failure)
            #expect(result.reason?.contains(expected) == true, "\(result.reason ?? "")")
            #expect(fixture.servedVersion() == "1.0.0")
            let state = try fixture.state()
            #expect(state.instances.map(\.commit) == [Self.v1])
        }
    }

    @Test func aFailedFirstDeploymentLeavesNothingBehind() async throws {
        try await ProcessPluginFixture.run { fixture in
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1, command: #"["python3", "-c", "raise SystemExit(1)"]"#)
            let result = try await fixture.plugin().executeStage(fixture.params(.sync, commit: Self.v1),
                                                                 log: StageLogLines().logger)
            #expect(result.status == .failure)
            #expect(try fixture.state().services.isEmpty && fixture.state().instances.isEmpty)
        }
    }

    @Test func rollbackReturnsToThePreviousCommitAndWithoutOneStopsEverything() async throws {
        try await ProcessPluginFixture.run { fixture in
            let plugin = try await fixture.plugin()
            let log = StageLogLines()
            try fixture.checkout(Self.v1, version: "1.0.0", replicas: 1)
            try fixture.checkout(Self.v2, version: "2.0.0", replicas: 1)
            _ = try await plugin.executeStage(fixture.params(.sync, commit: Self.v1), log: log.logger)
            _ = try await plugin.executeStage(fixture.params(.sync, commit: Self.v2, previous: Self.v1, deployment: "d-2"),
                                              log: log.logger)
            #expect(fixture.servedVersion() == "2.0.0")

            let back = try await plugin.executeStage(
                fixture.params(.rollback, commit: Self.v2, previous: Self.v1, deployment: "d-2", index: 1), log: log.logger)
            #expect(back.status == .success, "\(back.reason ?? "")")
            #expect(fixture.servedVersion() == "1.0.0")
            #expect(try fixture.state().instances.map(\.commit) == [Self.v1])
            let live = try await plugin.liveState(LiveStateParams(app: ProcessPluginFixture.app))
            #expect(live.resources.map(\.commit) == [Self.v1])

            let first = try await plugin.executeStage(
                fixture.params(.rollback, commit: Self.v1, deployment: "d-1", index: 1), log: log.logger)
            #expect(first.status == .success, "\(first.reason ?? "")")
            #expect(try fixture.state().instances.isEmpty)
            #expect(try fixture.state().services.isEmpty)
            #expect(fixture.servedVersion() == nil)
            #expect(try await plugin.liveState(LiveStateParams(app: ProcessPluginFixture.app)).resources.isEmpty)
        }
    }
}

/// Requests the frontend in a loop on a thread of its own (not the cooperative pool) and counts.
final class TrafficLoop: Sendable {
    struct Counts: Sendable {
        var succeeded = 0
        var failed = 0
        var versions: Set<String> = []
    }

    private let port: Int
    private let counts = Mutex(Counts())
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Bool>(false)

    init(port: Int) {
        self.port = port
    }

    func start() {
        Thread.detachNewThread { [self] in
            while running.load(ordering: .acquiring) {
                let response = LoopbackSockets.httpGet(port: port, path: "/")
                let version = response.flatMap { response -> String? in
                    guard response.status == 200 else { return nil }
                    let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
                    return json?["version"] as? String
                }
                counts.withLock { counts in
                    if let version {
                        counts.succeeded += 1
                        counts.versions.insert(version)
                    } else {
                        counts.failed += 1
                    }
                }
            }
            finished.store(true, ordering: .releasing)
        }
    }

    /// Stops the loop, waits for its last request, and returns the counts.
    func stop() -> Counts {
        running.store(false, ordering: .releasing)
        while !finished.load(ordering: .acquiring) { usleep(1000) }
        return counts.withLock { $0 }
    }
}
