import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Testing

/// `capstan deployment logs ID [--stage N] [--follow]` against a real server on loopback.
@Suite struct DeploymentLogsCommandTests {
    static func line(_ stage: Int, _ seconds: Double, _ message: String, level: String = "info") -> NewEvent {
        NewEvent(kind: .stageLog, at: ServerFixture.t0.addingTimeInterval(seconds), app: "checkout",
                 deployment: ServerFixture.running, stageIndex: stage, message: message, data: ["level": level])
    }

    /// The fixture's store with three lines of d-0002: stage 0's second line arrives after stage 1's first.
    static func store() async throws -> MemoryDeploymentStore {
        let store = try await ServerFixture.store()
        try await store.write([], events: [
            line(0, 31.5, "starting 1 canary instance"),
            line(1, 36.125, "waiting for release-managers", level: "warning"),
            line(0, 34, "canary ready"),
        ])
        return store
    }

    static let allStages = """
        12:00:31.750 [stage 0 CANARY_ROLLOUT] info starting 1 canary instance
        12:00:34.250 [stage 0 CANARY_ROLLOUT] info canary ready
        12:00:36.375 [stage 1 WAIT_APPROVAL] warning waiting for release-managers

        """

    @Test func printsEveryStagesLinesStageByStage() async throws {
        try await ServerFixture.withServer(store: try await Self.store()) { server in
            let result = try await capstan(["deployment", "logs", "d-0002", "--server", server])
            #expect(result.status == 0)
            #expect(result.err == "")
            #expect(result.out == Self.allStages)
        }
    }

    @Test func printsOneStage() async throws {
        try await ServerFixture.withServer(store: try await Self.store()) { server in
            let result = try await capstan(["deployment", "logs", "d-0002", "--stage", "1", "--server", server])
            #expect(result.status == 0)
            #expect(result.out == "12:00:36.375 [stage 1 WAIT_APPROVAL] warning waiting for release-managers\n")
        }
    }

    @Test func printsOneJSONObjectPerLine() async throws {
        try await ServerFixture.withServer(store: try await Self.store()) { server in
            let result = try await capstan(["deployment", "logs", "d-0002", "--server", server, "--output", "json"])
            #expect(result.status == 0)
            let lines = try result.out.split(separator: "\n").map {
                try JSONDecoder().decode([String: JSONValue].self, from: Data($0.utf8))
            }
            #expect(lines.map { $0["sequence"] } == [.number(6), .number(8), .number(7)])
            #expect(lines[2] == ["deployment": .string("d-0002"), "stage": .number(1), "kind": .string("WAIT_APPROVAL"),
                                 "sequence": .number(7), "time": .string("2025-03-01T12:00:36.375000Z"),
                                 "level": .string("warning"), "message": .string("waiting for release-managers")])
        }
    }

    @Test func pagesThroughLongLogs() async throws {
        let store = try await ServerFixture.store()
        try await store.write([], events: (0..<1_005).map { Self.line(0, 32 + Double($0) / 1000, "line \($0)") })
        try await ServerFixture.withServer(store: store) { server in
            let result = try await capstan(["deployment", "logs", "d-0002", "--stage", "0", "--server", server])
            let lines = result.out.split(separator: "\n")
            #expect(lines.count == 1_005)
            #expect(lines.last == "12:00:33.254 [stage 0 CANARY_ROLLOUT] info line 1004")
        }
    }

    static let refusals: [(arguments: [String], err: String)] = [
        (["deployment", "logs", "d-nope"], "capstan deployment logs: no deployment d-nope\n"),
        (["deployment", "logs", "d-nope", "--stage", "0"], "capstan deployment logs: no deployment d-nope\n"),
        (["deployment", "logs", "d-0002", "--stage", "7"],
         "capstan deployment logs: deployment d-0002 has no stage 7; its stages are 0 to 2\n"),
    ]

    @Test(arguments: refusals)
    func anUnknownDeploymentOrStageExits1(_ refusal: (arguments: [String], err: String)) async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(refusal.arguments + ["--server", server])
            #expect(result.status == 1)
            #expect(result.err == refusal.err)
        }
    }

    @Test(arguments: [["deployment", "logs", "d-1", "--stage", "-1"], ["deployment", "logs", "d-1", "--interval", "0"]])
    func badFlagsAreRefusedBeforeAnyRequest(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try Capstan.parseAsRoot(arguments) }
    }

    /// New lines print as they arrive; once the deployment ends the command prints what is left and exits 0.
    @Test func followPrintsNewLinesUntilTheDeploymentEnds() async throws {
        let store = try await Self.store()
        try await ServerFixture.withServer(store: store) { server in
            async let followed = capstan(["deployment", "logs", "d-0002", "--follow", "--interval", "0.05",
                                          "--server", server])
            try await Task.sleep(for: .milliseconds(300))
            try await store.write([], events: [Self.line(1, 50, "alice approved")])
            try await Task.sleep(for: .milliseconds(300))
            var ended = try #require(try await store.deployment(ServerFixture.running))
            ended.state = .success
            try await store.write([.updateDeployment(ended, expecting: .running)],
                                  events: [Self.line(1, 51, "promoted", level: "info")])
            let result = try await followed
            #expect(result.status == 0)
            #expect(result.out == Self.allStages + """
                12:00:50.250 [stage 1 WAIT_APPROVAL] info alice approved
                12:00:51.250 [stage 1 WAIT_APPROVAL] info promoted

                """)
        }
    }

    @Test func followingAFinishedDeploymentPrintsItsLinesOnceAndExits() async throws {
        let store = try await Self.store()
        var ended = try #require(try await store.deployment(ServerFixture.running))
        ended.state = .failure
        try await store.write([.updateDeployment(ended, expecting: .running)], events: [])
        try await ServerFixture.withServer(store: store) { server in
            let result = try await capstan(["deployment", "logs", "d-0002", "--follow", "--interval", "0.05",
                                            "--server", server])
            #expect(result.status == 0)
            #expect(result.out == Self.allStages)
        }
    }
}
