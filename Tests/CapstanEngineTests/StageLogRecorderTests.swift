import CapstanCore
import CapstanEngine
import CapstanPluginKit
import CapstanTesting
import Foundation
import Synchronization
import Testing

@Suite struct StageLogRecorderTests {
    @Test func recordsStageLinesInOrderAndForwardsStderr() async throws {
        let store = MemoryDeploymentStore()
        let forwarded = Mutex<[String]>([])
        let recorder = StageLogRecorder(store: store) { plugin, line in forwarded.withLock { $0.append("\(plugin): \(line)") } }
        let running = Task { await recorder.run() }
        let id = DeploymentID(rawValue: "d-1")
        for n in 1...50 {
            recorder.stageLog(plugin: "process", params: StageLogParams(deploymentId: id, stageIndex: 0,
                                                                        line: LogLine("line \(n)")))
        }
        recorder.log(plugin: "process", line: "haproxy reloaded")
        recorder.finish()
        await running.value
        let events = try await store.events(after: 0, limit: 100)
        #expect(events.map(\.message) == (1...50).map { "line \($0)" })
        #expect(events.allSatisfy { $0.kind == .stageLog && $0.deployment == id && $0.stageIndex == 0 })
        #expect(forwarded.withLock { $0 } == ["process: haproxy reloaded"])
    }
}
