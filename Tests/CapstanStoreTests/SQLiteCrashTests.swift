import CapstanCore
import CapstanStore
import Foundation
import Testing

/// A real crash: a child process (this test binary, running only `childKeepsWriting`) writes state
/// changes with their events as fast as it can and is killed with SIGKILL mid-stream. The file must
/// reopen intact, with every commit this process saw and no half of any write.
///
/// Linux only: it starts the child through `/proc/self/exe` with SwiftPM's test-runner arguments.
@Suite struct SQLiteCrashTests {
    static let childVariable = "CAPSTAN_STORE_CRASH_CHILD"
    /// Stage-log events in each update write, so that the child spends most of its time inside a
    /// transaction and the kill lands mid-write.
    static let logsPerWrite = 20

    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/proc/self/exe"), "needs /proc/self/exe"))
    func aKilledWriterLeavesOnlyWholeWrites() async throws {
        try await withTemporaryStoreURL(inMemory: false) { url in
            try SQLiteDeploymentStore.open(at: url).close()  // the schema first: the child only writes
            let log = url.deletingLastPathComponent().appendingPathComponent("child.log")
            let child = try Self.startChild(writingTo: url, log: log)
            defer { if child.isRunning { kill(child.processIdentifier, SIGKILL) } }

            // What this process sees committed; a reader never sees an uncommitted write.
            let target: Int64 = 3_000
            let observed = try await SQLiteDeploymentStore.withStore(at: url) { observer in
                let deadline = ContinuousClock.now + .seconds(90)
                var last: Int64 = 0
                while last < target, child.isRunning, ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(10))
                    last = try await observer.lastSequence()
                }
                return last
            }
            kill(child.processIdentifier, SIGKILL)
            child.waitUntilExit()
            let childLog = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            try #require(observed >= target, "the child stopped after \(observed) events:\n\(childLog.suffix(2_000))")
            #expect(child.terminationReason == .uncaughtSignal)

            try await SQLiteDeploymentStore.withStore(at: url) { store in
                #expect(try await store.integrityCheck() == ["ok"])
                let last = try await store.lastSequence()
                #expect(last >= observed)
                let events = try await store.events(after: 0, limit: Int(last) + 1)
                #expect(events.map(\.sequence) == Array(1...last))

                // Each insert came with one created event; each move to RUNNING with one state event and its logs.
                var created = Set<DeploymentID>(), moved = Set<DeploymentID>(), logs: [DeploymentID: Int] = [:]
                for event in events {
                    guard let id = event.deployment else { continue }
                    switch event.kind {
                    case .deploymentCreated: created.insert(id)
                    case .deploymentStateChanged: moved.insert(id)
                    case .stageLog: logs[id, default: 0] += 1
                    default: Issue.record("unexpected event \(event)")
                    }
                }
                let deployments = try await store.deployments(app: "crash", state: nil, limit: .max)
                #expect(Set(deployments.map(\.id)) == created)
                #expect(Set(deployments.filter { $0.state == .running }.map(\.id)) == moved)
                #expect(logs.keys.count == moved.count && logs.values.allSatisfy { $0 == Self.logsPerWrite })
                // The store goes on where it stopped.
                #expect(try await store.write([], events: [Sample.event()]).map(\.sequence) == [last + 1])
            }
        }
    }

    /// The child's side; skipped unless the parent test started this process.
    @Test(.enabled(if: ProcessInfo.processInfo.environment[childVariable] != nil, "runs only in the crash child"))
    func childKeepsWriting() async throws {
        let url = URL(fileURLWithPath: try #require(ProcessInfo.processInfo.environment[Self.childVariable]))
        let store = try SQLiteDeploymentStore.open(at: url)
        let parent = getppid()
        // Stop on our own if the parent is gone or never kills us.
        let deadline = ContinuousClock.now + .seconds(120)
        var number = 0
        while getppid() == parent, ContinuousClock.now < deadline {
            let name = "c\(number)"
            var deployment = Sample.deployment(name, app: "crash")
            try await store.write([.insertDeployment(deployment, stages: Sample.stages(name))],
                                  events: [Sample.event(.deploymentCreated, deployment: name)])
            deployment.state = .running
            let logs = (0..<Self.logsPerWrite).map { Sample.event(.stageLog, deployment: name, message: "log line \($0)") }
            try await store.write([.updateDeployment(deployment, expecting: .pending)],
                                  events: [Sample.event(deployment: name)] + logs)
            number += 1
        }
    }

    private static func startChild(writingTo url: URL, log: URL) throws -> Process {
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let output = try FileHandle(forWritingTo: log)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        process.arguments = ["--testing-library", "swift-testing", "--filter", "childKeepsWriting"]
        process.environment = ProcessInfo.processInfo.environment.merging([childVariable: url.path]) { $1 }
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }
}
