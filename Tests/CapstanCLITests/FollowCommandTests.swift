import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Testing

/// `capstan deployment follow` against a real server on loopback whose store the test writes into, as the
/// engine would: the live view, one line per change, and the exit status of each outcome.
@Suite(.timeLimit(.minutes(1))) struct FollowCommandTests {
    static let running = ServerFixture.running

    /// Ends d-0002 (stage 1 WAIT_APPROVAL running, stage 2 ROLLBACK) with `outcome`, as the engine writes it:
    /// the records and their events in one store write.
    static func finish(_ store: MemoryDeploymentStore, _ outcome: DeploymentState, id: DeploymentID = running,
                       at seconds: Double = 50) async throws {
        let at = ServerFixture.t0.addingTimeInterval(seconds)
        let stages = try await store.stages(of: id)
        let deployment = try #require(try await store.deployment(id))
        var changes: [StoreChange] = []
        var events: [NewEvent] = []
        func stage(_ index: Int, _ state: StageState, reason: String? = nil, started: Bool = false) {
            guard var record = stages.first(where: { $0.index == index }) else { return }
            let from = record.state
            record.state = state
            record.reason = reason
            if started { record.startedAt = at }
            if state.isFinal, record.startedAt != nil { record.finishedAt = at }
            changes.append(.updateStage(record))
            var data = ["from": from.rawValue, "to": state.rawValue, "attempt": "1"]
            data["reason"] = reason
            events.append(NewEvent(kind: .stageStateChanged, at: at, app: "checkout", deployment: id, stageIndex: index,
                                   message: "\(record.kind.rawValue) is \(state.rawValue)", data: data))
        }
        func move(_ state: DeploymentState, reason: String? = nil) {
            var data = ["to": state.rawValue]
            data["reason"] = reason
            events.append(NewEvent(kind: .deploymentStateChanged, at: at, app: "checkout", deployment: id,
                                   message: "deployment → \(state.rawValue)", data: data))
        }
        switch outcome {
        case .success:
            stage(1, .success)
            stage(2, .skipped, reason: "not needed")
            move(.success)
        case .failure:
            stage(1, .failure, reason: "approval timed out after 1h")
            stage(2, .running, started: true)
            move(.rollingBack, reason: "WAIT_APPROVAL failed")
            stage(2, .success)
            move(.failure, reason: "WAIT_APPROVAL failed")
        default:
            stage(1, .cancelled, reason: "cancelled by alice")
            stage(2, .skipped)
            move(.cancelled, reason: "cancelled by alice")
        }
        var ended = deployment
        ended.state = outcome
        changes.append(.updateDeployment(ended, expecting: nil))
        try await store.write(changes, events: events)
    }

    @Test(arguments: [(DeploymentState.success, Int32(0)), (.failure, 1), (.cancelled, 2)])
    func exitsWithTheDeploymentsOutcome(_ outcome: DeploymentState, status: Int32) async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store) { server in
            let followed = BackgroundCommand(["deployment", "follow", "d-0002", "--server", server])
            try await followed.waitUntil("the view") { out, _ in out.contains("ROLLBACK") }
            try await Self.finish(store, outcome)
            let result = try await followed.result()
            #expect(result.status == status, "\(result.err)")
            #expect(result.err == "")
            let reason = outcome == .success ? "" : " (\(outcome == .failure ? "WAIT_APPROVAL failed" : "cancelled by alice"))"
            #expect(result.out.hasSuffix("12:00:50  d-0002: \(outcome.rawValue)\(reason)\n"), "\(result.out)")
        }
    }

    @Test func printsTheViewThenALinePerChange() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store) { server in
            let followed = BackgroundCommand(["deployment", "follow", "d-0002", "--server", server])
            try await followed.waitUntil("the view") { out, _ in out.contains("ROLLBACK") }
            try await store.write([], events: [
                ServerFixture.event(.stageLog, 45, Self.running, "log lines are not changes", stage: 1),
                ServerFixture.event(.approvalRecorded, 48, Self.running, "alice approved stage 1", stage: 1),
            ])
            try await Self.finish(store, .failure)
            let result = try await followed.result()
            #expect(result.status == 1)
            #expect(result.out == """
                d-0002  checkout  ccccccc  RUNNING
                #  STAGE           STATE        STARTED   TOOK               DETAILS
                0  CANARY_ROLLOUT  SUCCESS      12:00:31  4.0s               replicas 1
                1  WAIT_APPROVAL   RUNNING      12:00:36  running for 1m04s
                2  ROLLBACK        NOT_STARTED  -         -
                12:00:48  alice approved stage 1
                12:00:50  stage 1 WAIT_APPROVAL: FAILURE after 14.0s  approval timed out after 1h
                12:00:50  stage 2 ROLLBACK: RUNNING
                12:00:50  d-0002: ROLLING_BACK (WAIT_APPROVAL failed)
                12:00:50  stage 2 ROLLBACK: SUCCESS after 0.0s
                12:00:50  d-0002: FAILURE (WAIT_APPROVAL failed)

                """)
        }
    }

    @Test func aDeploymentThatHasEndedIsShownAndExitsAtOnce() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["deployment", "follow", "d-0001", "--server", server])
            #expect(result.status == 0)
            #expect(result.out == "d-0001  checkout  aaaaaaa  SUCCESS\n")
        }
    }

    @Test(arguments: [
        (["d-0042"], "capstan deployment follow: no deployment d-0042\n"),
        (["--latest", "billing"], "capstan deployment follow: billing has no deployments yet; use --new to wait for one\n"),
        (["--latest", "checkout", "--new", "--wait", "0.5"],
         "capstan deployment follow: waiting up to 0.5s for a deployment of checkout newer than d-0002\n"
             + "capstan deployment follow: no new deployment of checkout within 0.5s\n"),
    ])
    func whatCannotBeFollowedExits3(_ arguments: [String], message: String) async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["deployment", "follow"] + arguments + ["--server", server])
            #expect(result.status == 3)
            #expect(result.err == message)
        }
    }

    @Test func anUnreachableServerExits3() async throws {
        let result = try await capstan(["deployment", "follow", "d-0002", "--server", "http://127.0.0.1:1"])
        #expect(result.status == 3)
        #expect(result.err.hasPrefix("capstan deployment follow: cannot reach the Capstan server at http://127.0.0.1:1"))
    }

    @Test func latestFollowsTheNewestDeploymentOfTheApp() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store) { server in
            let followed = BackgroundCommand(["deployment", "follow", "--latest", "checkout", "--server", server])
            try await followed.waitUntil("the view") { out, _ in out.contains("ROLLBACK") }
            try await Self.finish(store, .success)
            let result = try await followed.result()
            #expect(result.status == 0)
            #expect(result.out.hasPrefix("d-0002  checkout  ccccccc  RUNNING\n"))
        }
    }

    @Test func latestNewWaitsForADeploymentCreatedAfterItStarted() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store) { server in
            let followed = BackgroundCommand(["deployment", "follow", "--latest", "checkout", "--new", "--wait", "20",
                                              "--server", server])
            try await followed.waitUntil("the wait") { _, err in err.contains("newer than d-0002") }
            let id = DeploymentID(rawValue: "d-0003")
            let third = Deployment(id: id, app: "checkout", commit: ServerFixture.commit("e"),
                                   previousCommit: ServerFixture.commit("a"), trigger: .manual, strategy: .pipeline,
                                   state: .running, createdAt: ServerFixture.t0.addingTimeInterval(45),
                                   updatedAt: ServerFixture.t0.addingTimeInterval(45))
            try await store.write([.insertDeployment(third, stages: [
                StageRecord(deployment: id, index: 0, kind: .canaryRollout),
                StageRecord(deployment: id, index: 1, kind: .waitApproval, state: .running, attempts: 1,
                            startedAt: ServerFixture.t0.addingTimeInterval(46)),
                StageRecord(deployment: id, index: 2, kind: .rollback),
            ])], events: [ServerFixture.event(.deploymentCreated, 45, id, "d-0003 created for eeeeeee")])
            try await followed.waitUntil("the view") { out, _ in out.contains("ROLLBACK") }
            try await Self.finish(store, .cancelled, id: id)
            let result = try await followed.result()
            #expect(result.status == 2, "\(result.err)")
            #expect(result.err == "capstan deployment follow: waiting up to 20.0s for a deployment of checkout newer than d-0002\n")
            #expect(result.out.hasPrefix("d-0003  checkout  eeeeeee  RUNNING\n"))
        }
    }

    @Test func jsonPrintsTheDeploymentsEventsOnePerLine() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store) { server in
            let followed = BackgroundCommand(["deployment", "follow", "d-0002", "--output", "json", "--server", server])
            try await followed.waitUntil("the events so far") { out, _ in out.split(separator: "\n").count >= 3 }
            try await Self.finish(store, .success)
            let result = try await followed.result()
            #expect(result.status == 0)
            let events = try result.out.split(separator: "\n").map { try APIJSON.decoder().decode(EventView.self, from: Data($0.utf8)) }
            #expect(events.map(\.sequence) == [3, 4, 5, 6, 7, 8])
        }
    }

    @Test func onATerminalTheViewIsRedrawnInPlace() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store) { server in
            let command = try #require(try Capstan.parseAsRoot(["deployment", "follow", "d-0002", "--server", server])
                as? Capstan.DeploymentCommand.Follow)
            let console = Console.capturing(now: { ServerFixture.t0.addingTimeInterval(100) })
            async let status = command.execute(console: console, terminal: true)
            let deadline = ContinuousClock.now + .seconds(20)
            while !console.output.contains("ROLLBACK"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Self.finish(store, .success)
            #expect(await status == 0)
            let draws = console.output.components(separatedBy: "\u{1B}[J").dropFirst()
            #expect(draws.count >= 2)
            #expect(console.output.hasPrefix("\u{1B}[Jd-0002  checkout  ccccccc  RUNNING\n"))
            #expect(console.output.contains("\u{1B}[5A\r\u{1B}[Jd-0002  checkout  ccccccc"))
            #expect(draws.last?.hasPrefix("d-0002  checkout  ccccccc  SUCCESS\n") == true)
            #expect(draws.last?.contains("1  WAIT_APPROVAL   SUCCESS  12:00:36  14.0s") == true)
        }
    }

    @Test func onATerminalAStreamThatGivesUpEndsTheCommand() async throws {
        let console = Console.capturing(now: { ServerFixture.t0.addingTimeInterval(100) })
        let running = try await ServerFixture.withServer { server in
            let arguments = ["deployment", "follow", "d-0002", "--server", server, "--retry-for", "0"]
            let running = Task {
                let command = try #require(try Capstan.parseAsRoot(arguments) as? Capstan.DeploymentCommand.Follow)
                return await command.execute(console: console, terminal: true)
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while !console.output.contains("ROLLBACK"), ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            return running
        }
        // The server is gone and the stream is not retried: the command says so and exits 3, not hangs.
        #expect(try await running.value == 3)
        #expect(console.errors.hasPrefix("capstan deployment follow: "), "\(console.errors)")
    }
}
