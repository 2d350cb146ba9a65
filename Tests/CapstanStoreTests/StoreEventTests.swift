import CapstanCore
import Foundation
import Testing

/// The `DeploymentStore` contract for events and all-or-nothing writes, run against every store.
@Suite struct StoreEventTests {
    @Test(arguments: StoreKind.allCases)
    func eventsRoundTripEveryField(kind: StoreKind) async throws {
        try await kind.with { store in
            let tricky = ["quote": "say \"hi\"", "backslash": #"C:\path"#, "lines": "a\nb\r\tc", "control": "\u{01}\u{1f}",
                          "unicode": "déploiement ✅ 🚀", "": "empty key", "empty": ""]
            let full = Sample.event(.stageLog, deployment: "a", message: "line with \"quotes\"\nand more", data: tricky)
            let bare = Sample.event(.repositoryPolled, message: "", at: Sample.time(1))
            let stored = try await store.write([], events: [full, bare])
            #expect(stored == [Event(sequence: 1, full), Event(sequence: 2, bare)])
            #expect(try await store.events(after: 0, limit: 10) == stored)
            #expect(stored[1].app == nil && stored[1].deployment == nil && stored[1].stageIndex == nil)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func datesAreKeptToTheMicrosecond(kind: StoreKind) async throws {
        try await kind.with { store in
            let now = Date()
            let stored = try await store.write([], events: [Sample.event(at: now)])
            let read = try await store.events(after: 0, limit: 1)
            #expect(read == stored)
            #expect(abs(read[0].at.timeIntervalSince(now)) < 0.000_001)  // half a microsecond of rounding, plus Double ulps

            let deployment = Sample.deployment("a")
            var precise = deployment
            precise.createdAt = now
            precise.updatedAt = now.addingTimeInterval(0.000_000_3)
            try await store.write([.insertDeployment(precise, stages: [])], events: [])
            let back = try #require(try await store.deployment(deployment.id))
            #expect(abs(back.createdAt.timeIntervalSince(now)) < 0.000_001)
            #expect(back.createdAt == read[0].at)  // the same instant rounds the same way everywhere
        }
    }

    @Test(arguments: StoreKind.allCases)
    func eventsAfterAndLimit(kind: StoreKind) async throws {
        try await kind.with { store in
            #expect(try await store.lastSequence() == 0)
            #expect(try await store.events(after: 0, limit: 10).isEmpty)
            for batch in 0..<4 {
                let events = (0..<(batch + 1)).map { Sample.event(message: "batch \(batch) #\($0)") }
                try await store.write([], events: events)
            }
            #expect(try await store.lastSequence() == 10)
            func sequences(_ after: Int64, _ limit: Int) async throws -> [Int64] {
                try await store.events(after: after, limit: limit).map(\.sequence)
            }
            #expect(try await sequences(0, 3) == [1, 2, 3])
            #expect(try await sequences(8, 5) == [9, 10])
            #expect(try await sequences(10, 5).isEmpty)
            #expect(try await sequences(-5, 2) == [1, 2])
            #expect(try await sequences(3, 0).isEmpty)
            #expect(try await sequences(7, .max) == [8, 9, 10])
            #expect(try await store.events(after: 6, limit: 1).first?.message == "batch 3 #0")
            #expect(try await store.write([], events: []).isEmpty)
            #expect(try await store.lastSequence() == 10)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aStateChangeAndItsEventLandTogether(kind: StoreKind) async throws {
        try await kind.with { store in
            var deployment = Sample.deployment("a")
            try await store.write([.insertDeployment(deployment, stages: Sample.stages("a"))],
                                  events: [Sample.event(.deploymentCreated, deployment: "a")])
            deployment.state = .running
            let events = try await store.write([.updateDeployment(deployment, expecting: .pending)],
                                               events: [Sample.event(deployment: "a", data: ["from": "PENDING", "to": "RUNNING"])])
            #expect(events.map(\.sequence) == [2])
            #expect(try await store.deployment(deployment.id)?.state == .running)
            #expect(try await store.events(after: 1, limit: 5) == events)
        }
    }

    /// A refused write leaves nothing behind: not its earlier changes, not its events, not a sequence number.
    @Test(arguments: StoreKind.allCases)
    func aRefusedWriteAppliesNothing(kind: StoreKind) async throws {
        try await kind.with { store in
            try await store.write([.insertDeployment(Sample.deployment("a", state: .running), stages: Sample.stages("a"))],
                                  events: [Sample.event(.deploymentCreated, deployment: "a")])
            var stage = Sample.stages("a")[0]
            stage.state = .success
            var cancelled = Sample.deployment("a", state: .cancelled)
            cancelled.reason = "by the refused write"
            let batch: [StoreChange] = [
                .upsertApp(Sample.app("checkout")),
                .insertDeployment(Sample.deployment("b"), stages: Sample.stages("b")),
                .updateStage(stage),
                .insertApproval(Approval(deployment: Sample.id("a"), stageIndex: 1, approver: "bob", at: Sample.t0)),
                .updateDeployment(cancelled, expecting: .pending),  // it is RUNNING: the whole write fails here
                .upsertApp(Sample.app("web")),
            ]
            let error = await #expect(throws: StoreError.self) {
                try await store.write(batch, events: [Sample.event(deployment: "a"), Sample.event(deployment: "b")])
            }
            #expect(error?.isConflict == true)
            #expect(try await store.apps().isEmpty)
            #expect(try await store.deployment(Sample.id("b")) == nil)
            #expect(try await store.stages(of: Sample.id("b")).isEmpty)
            #expect(try await store.stages(of: Sample.id("a")) == Sample.stages("a"))
            #expect(try await store.approvals(of: Sample.id("a")).isEmpty)
            #expect(try await store.deployment(Sample.id("a")) == Sample.deployment("a", state: .running))
            #expect(try await store.lastSequence() == 1)

            // The next write gets the next number: the refused one took none.
            let next = try await store.write([], events: [Sample.event()])
            #expect(next.map(\.sequence) == [2])

            let duplicate = await #expect(throws: StoreError.self) {
                try await store.write([.upsertApp(Sample.app("api")), .insertDeployment(Sample.deployment("a"), stages: [])],
                                      events: [Sample.event()])
            }
            #expect(duplicate?.isConflict == true)
            #expect(try await store.apps().isEmpty)
            #expect(try await store.lastSequence() == 2)
        }
    }

    /// 20 writers × 50 writes of 1–3 events each, each writer moving its own deployment: every write's
    /// events are numbered contiguously, and together they are exactly 1...N.
    @Test(arguments: StoreKind.allCases)
    func concurrentWritersGetOneGapFreeSequence(kind: StoreKind) async throws {
        try await kind.with { store in
            let writers = 20
            let writesEach = 50
            let written = try await withThrowingTaskGroup(of: [[Event]].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        var deployment = Sample.deployment("w\(writer)")
                        var results: [[Event]] = [
                            try await store.write([.insertDeployment(deployment, stages: [])],
                                                  events: [Sample.event(.deploymentCreated, deployment: "w\(writer)")]),
                        ]
                        for write in 1..<writesEach {
                            let before = deployment.state
                            deployment.state = before == .running ? .pending : .running
                            deployment.reason = "write \(write)"
                            let events = (0...(writer + write) % 3).map {
                                Sample.event(deployment: "w\(writer)", data: ["write": "\(write)", "part": "\($0)"])
                            }
                            results.append(try await store.write([.updateDeployment(deployment, expecting: before)], events: events))
                        }
                        return results
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(written.count == writers * writesEach)
            for events in written {
                let sequences = events.map(\.sequence)
                #expect(sequences == Array(sequences[0]..<(sequences[0] + Int64(sequences.count))))
            }
            let total = written.reduce(0) { $0 + $1.count }
            #expect(written.flatMap { $0 }.map(\.sequence).sorted() == Array(1...Int64(total)))
            let read = try await store.events(after: 0, limit: total + 10)
            #expect(read == written.flatMap { $0 }.sorted { $0.sequence < $1.sequence })
            #expect(try await store.lastSequence() == Int64(total))
            #expect(try await store.deployments(app: nil, state: nil, limit: 100).allSatisfy { $0.reason == "write 49" })
        }
    }
}
