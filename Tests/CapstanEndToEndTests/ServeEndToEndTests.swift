import CapstanCore
import CapstanTesting
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `capstan serve` for real: real Git, real processes, real HAProxy, over loopback, in real time.
@Suite(.serialized, .timeLimit(.minutes(3))) struct ServeEndToEndTests {
    @Test func pushesDeployOnlyWhatTheyTouchAndSurviveAKill9() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.startServer()

        // v1 of both services goes live with nothing done by hand.
        let bothLive = await fixture.eventually {
            let hello = await fixture.version("hello")
            let other = await fixture.version("other")
            return hello == "1.0.0" && other == "1.0.0"
        }
        #expect(bothLive, "\(fixture.serverLog)")

        // A commit touching only hello deploys only hello.
        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("hello v2")
        #expect(await fixture.eventually {
            (await fixture.deployments("hello")).first.map { $0["commit"] as? String == v2.hex && $0["state"] as? String == "SUCCESS" } ?? false
        })
        #expect(await fixture.version("hello") == "2.0.0")
        #expect(await fixture.deployments("other").count == 1)
        // No v1 instance is left: exactly the two v2 instances run.
        #expect(await fixture.eventually(10) { fixture.instances(of: "hello").map(fixture.version(of:)) == ["2.0.0", "2.0.0"] })

        // Prometheus metrics of what this process did (read before the kill below: a restarted process counts anew,
        // and on a loaded machine v3 may end before or after the kill).
        let metrics = await fixture.text("/metrics") ?? ""
        #expect(metrics.contains(#"capstan_deployments_total{state="SUCCESS"}"#), "\(metrics)")
        #expect(metrics.contains(#"capstan_stage_duration_seconds_count{stage="SYNC",result="success"}"#))
        #expect(metrics.contains(#"capstan_poll_duration_seconds_count{repository="apps"}"#))

        // Continuous requests through HAProxy while the server is killed mid-deployment and restarted.
        // Stopped by a flag, not by cancelling the task: cancelling an in-flight URLSession request
        // can deadlock FoundationNetworking on Linux (seen: swift_task_cancel vs the session's queue).
        let failures = Mutex<[String]>([]), successes = Mutex(0), stop = Mutex(false)
        let load = Task {
            while !stop.withLock({ $0 }) {
                switch await fixture.probe("hello") {
                case .success: successes.withLock { $0 += 1 }
                case .failure(let why): failures.withLock { $0.append("\(Date()): \(why)") }
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        try fixture.setVersion("hello", "3.0.0")
        let v3 = try fixture.push("hello v3")
        let caughtRunning = await fixture.eventually(30, every: .milliseconds(5)) {
            (await fixture.deployments("hello")).first.map { $0["commit"] as? String == v3.hex && $0["state"] as? String == "RUNNING" } ?? false
        }
        #expect(caughtRunning)
        fixture.stopServer(SIGKILL)
        try fixture.startServer()
        #expect(await fixture.eventually {
            (await fixture.deployments("hello")).first.map { $0["commit"] as? String == v3.hex && $0["state"] as? String == "SUCCESS" } ?? false
        }, "\(fixture.serverLog)")
        #expect(await fixture.eventually(10) { await fixture.version("hello") == "3.0.0" })
        stop.withLock { $0 = true }
        await load.value
        #expect(failures.withLock { $0 } == [], "every request through the restart succeeded (\(successes.withLock { $0 }) ok)")

        // The events are complete, gap-free and in order.
        let events = (await fixture.api("/api/v1/events?after=0&limit=1000") as? [[String: Any]]) ?? []
        let sequences = events.compactMap { $0["sequence"] as? Int }
        #expect(sequences == Array(1...sequences.count))
        let v3Events = events.filter { ($0["message"] as? String)?.contains(v3.short) == true }
        #expect(!v3Events.isEmpty)


        // SIGTERM: a clean exit, and traffic still flows (instances and HAProxy are detached).
        #expect(fixture.stopServer(SIGTERM) == 0)
        #expect(await fixture.version("hello") == "3.0.0")
    }

    @Test func aKilledInstanceIsHealedAndAnInvalidConfigDeploysNothing() async throws {
        let fixture = try ServeFixture(appExtra: "sync: {selfHeal: true}\n",
                                       serverExtra: "driftInterval: 1s\nselfHealWindow: 1s")
        defer { fixture.tearDown() }
        try fixture.startServer()
        #expect(await fixture.eventually { (await fixture.app("hello"))?["status"] as? String == "SYNCED" },
                "\(fixture.serverLog)")
        let before = fixture.instances(of: "hello")
        #expect(before.count == 2)

        // An instance killed by hand: OUT_OF_SYNC, then self-healed back to two ready instances.
        kill(before[0], SIGKILL)
        #expect(await fixture.eventually(30, every: .milliseconds(20)) {
            (await fixture.app("hello"))?["status"] as? String == "OUT_OF_SYNC"
        })
        #expect(await fixture.eventually {
            let healed = (await fixture.deployments("hello")).contains {
                $0["trigger"] as? String == "selfHeal" && $0["state"] as? String == "SUCCESS"
            }
            let status = (await fixture.app("hello"))?["status"] as? String
            return healed && status == "SYNCED"
        }, "\(fixture.serverLog)")
        #expect(fixture.instances(of: "hello").count == 2)

        // An invalid capstan.yaml: INVALID_CONFIG naming file:line, nothing deployed, v1 keeps serving.
        let count = await fixture.deployments("hello").count
        try fixture.work.write("hello/capstan.yaml",
                               "apiVersion: capstan/v1\nkind: Application\nname: hello\nmanifests: [service.yaml]\nstrategy: canary\n")
        try fixture.push("break hello")
        #expect(await fixture.eventually { (await fixture.app("hello"))?["status"] as? String == "INVALID_CONFIG" })
        let summary = (await fixture.app("hello"))?["summary"] as? String ?? ""
        #expect(summary.contains("hello/capstan.yaml:5:11: strategy:"), "\(summary)")
        #expect(await fixture.deployments("hello").count == count)
        #expect(await fixture.version("hello") == "1.0.0")
    }
}
