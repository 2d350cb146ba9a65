import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// The plugin SIGKILLed in the middle of a stage (`CAPSTAN_PLUGIN_CRASH_AT`): the stage fails and says the
/// plugin died, the server starts a new plugin, the rollback runs on it and brings every request back to the
/// previous version — with no request lost and no variant left behind — and the next release deploys.
@Suite(.serialized, .timeLimit(.minutes(4))) struct PluginCrashEndToEndTests {
    static let pipeline = """
        pipeline:
          - stage: CANARY_ROLLOUT
            with: {replicas: 1}
          - stage: TRAFFIC_ROUTING
            with: {primary: 50, canary: 50}
          - stage: PRIMARY_ROLLOUT
          - stage: TRAFFIC_ROUTING
            with: {primary: 100}
          - stage: CANARY_CLEAN

        """

    /// Both boundaries of every platform stage before the last traffic switch, and the clean-up after it.
    static let points: [(String, Int)] = [("CANARY_ROLLOUT", 0), ("TRAFFIC_ROUTING", 1), ("PRIMARY_ROLLOUT", 2), ("CANARY_CLEAN", 4)]
        .flatMap { stage, index in [("before-stage:\(stage)", index), ("after-stage:\(stage)", index)] }

    @Test(arguments: points)
    func aPluginKilledMidStageFailsTheStageAndTheRollbackRunsOnANewOne(_ point: String, stage: Int) async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.configure("hello", Self.pipeline)
        try fixture.push("pipeline")
        try fixture.startServer(environment: ["CAPSTAN_PLUGIN_CRASH_AT": point])
        #expect(await fixture.eventually {
            (await fixture.app("hello"))?["status"] as? String == "SYNCED" && fixture.running("hello").count == 2
        }, "\(fixture.serverLog)")
        let plugin = Self.plugins(of: fixture)
        #expect(plugin.count == 1)
        let load = fixture.load("hello")

        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("v2, whose plugin dies at \(point)").hex
        let failed = await fixture.waitForEnd("hello", at: v2)
        #expect(failed?["state"] as? String == "FAILURE", "\(fixture.serverLog.suffix(3000))")
        let reason = ((failed?["stages"] as? [[String: Any]])?[stage])?["reason"] as? String ?? ""
        #expect(reason.contains("crash point \(point) reached"), "the plugin's last words are in the reason: \(reason)")
        #expect(ServeFixture.stageState(failed, 5) == "SUCCESS", "the rollback ran: \(String(describing: failed?["stages"]))")
        #expect(await fixture.eventually(15) { fixture.running("hello") == ["primary 1.0.0", "primary 1.0.0"] },
                "\(fixture.running("hello"))")
        let during = await load.stop()
        #expect(during.failures == [], "every request through the crash and the rollback: \(during.answers)")
        let now = Self.plugins(of: fixture)
        #expect(now.count == 1 && now != plugin, "a new plugin runs: \(plugin) then \(now)")

        // The next release deploys on the new plugin.
        try fixture.setVersion("hello", "3.0.0")
        let v3 = try fixture.push("v3").hex
        let ended = await fixture.waitForEnd("hello", at: v3)
        #expect(ended?["state"] as? String == "SUCCESS", "\(fixture.serverLog.suffix(3000))")
        #expect(await fixture.eventually(15) { fixture.running("hello") == ["primary 3.0.0", "primary 3.0.0"] })
    }

    /// The process plugins whose parent is this fixture's server.
    static func plugins(of fixture: ServeFixture) -> [Int32] {
        SecretSweepEndToEndTests.pluginProcesses().filter { pid in
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
            // pid (comm) state ppid …: the fields after the command's closing parenthesis.
            guard let close = stat.lastIndex(of: ")") else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 1, let parent = Int32(fields[1]) else { return false }
            let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(parent)/cmdline"))) ?? Data()
            return String(decoding: command, as: UTF8.self).contains(fixture.root.path)
        }
    }
}
