import CapstanPluginKit
import CapstanTesting
import Foundation
import Testing

/// The restart schedule: pure first, then the host on an injected clock with a plugin that never starts.
@Suite struct RestartBackoffTests {
    @Test(arguments: [(0, 0), (1, 500), (2, 1000), (3, 2000), (6, 16000), (7, 30000), (8, 30000), (10_000, 30000)])
    func delaysDoubleUpToTheCap(failures: Int, milliseconds: Int) {
        #expect(RestartBackoff().delay(afterFailures: failures) == .milliseconds(milliseconds))
    }

    @Test func thePolicyWaitsFromTheLastFailureAndForgetsAfterAStart() {
        var policy = RestartPolicy(backoff: RestartBackoff(initial: .seconds(1), cap: .seconds(4)))
        #expect(policy.earliestStart(now: .zero) == nil)
        policy.failed(at: .seconds(10))
        #expect(policy.earliestStart(now: .seconds(10)) == .seconds(11))
        // Time already spent since the failure counts toward the wait.
        #expect(policy.earliestStart(now: .seconds(12)) == nil)
        policy.failed(at: .seconds(12))
        #expect(policy.earliestStart(now: .seconds(12)) == .seconds(14))
        policy.failed(at: .seconds(14))
        policy.failed(at: .seconds(18))
        #expect(policy.consecutiveFailures == 4)
        #expect(policy.earliestStart(now: .seconds(18)) == .seconds(22))
        policy.started()
        #expect(policy.consecutiveFailures == 0)
        #expect(policy.earliestStart(now: .seconds(18)) == nil)
    }

    @Test func theHostBacksOffOnItsClockWhenAPluginKeepsDying() async throws {
        let clock = TestClock()
        let folder = try TempDirectory()
        let configuration = PluginHost.Configuration(
            name: "doomed", executable: "/bin/sh", arguments: ["-c", "echo 'cannot start' >&2; exit 3"], target: "local",
            dataDirectory: folder.url.path, startTimeout: .seconds(60),
            backoff: RestartBackoff(initial: .milliseconds(100), cap: .milliseconds(400)))
        let host = PluginHost(configuration, clock: clock)

        // The first start waits for nothing.
        let first = await pluginError { try await host.capabilities() }
        #expect(first?.code == .launchFailed)
        #expect(first?.message == "it did not start: exited with status 3")
        #expect(first?.stderrTail == ["cannot start"])

        for expected in [100, 200, 400, 400] {
            async let attempt = pluginError { try await host.capabilities() }
            // The host sleeps the backoff on the injected clock (next to the 60 s start deadline
            // once it runs): nothing happens until the test moves time.
            let sleeping = await eventually { clock.pendingSleeps.contains(.milliseconds(expected)) }
            #expect(sleeping, "expected a \(expected) ms backoff, saw \(clock.pendingSleeps)")
            #expect(clock.pendingSleeps.allSatisfy { $0 == .milliseconds(expected) || $0 == .seconds(60) })
            clock.advance(by: .milliseconds(expected))
            #expect(await attempt?.code == .launchFailed)
        }
        #expect(await host.consecutiveFailures == 5)
        await host.shutdown()
    }
}
