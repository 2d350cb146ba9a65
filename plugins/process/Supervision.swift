import CapstanCore
import CapstanPluginKit
import Foundation

/// Between stages nothing else would notice that HAProxy died — and while it is dead no request reaches any
/// instance. The plugin looks every `interval` and starts it again from the state file, with the weights of
/// the current split, so traffic resumes within about a second instead of at the next deployment.
extension ProcessPlugin {
    /// Checks HAProxy every `interval` until the task is cancelled.
    func superviseHAProxy(every interval: Duration) async {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            await restartHAProxyIfDead()
        }
    }

    /// Starts HAProxy again when the state file says it ran and its master is gone; returns whether it did.
    @discardableResult
    func restartHAProxyIfDead() async -> Bool {
        guard let setup, let record = state.haproxy, !record.master.isAlive else { return false }
        // A stage owns HAProxy while it runs (it may be reloading it): wait for it, then look again.
        await acquireStageSlot()
        defer { releaseStageSlot() }
        guard let again = state.haproxy, !again.master.isAlive else { return false }
        do {
            let log = StageLogger(deploymentId: DeploymentID(rawValue: "-"), stageIndex: -1) { line in
                PluginLog.write("process: \(line.line.message)")
            }
            try await ensureHAProxy(setup, log: log)
            PluginLog.write("process: HAProxy (master pid \(again.master.pid)) had died; started it again with the "
                + "recorded weights")
            supervisionFailure = nil
            return true
        } catch {
            if supervisionFailure != error.description {
                PluginLog.write("process: HAProxy had died and does not start again (trying every second): \(error)")
                supervisionFailure = error.description
            }
            return false
        }
    }
}
