import CapstanCore
import Foundation

extension DeploymentRunner {
    /// Runs a SCRIPT_RUN stage: its output lines become the stage's log as they come; its own `timeout`
    /// (on the injected clock) kills it and fails the stage.
    func runScript(_ options: ScriptRunOptions, index: Int, deployment: Deployment,
                   context: DeploymentContext) async -> StageRun {
        let store = self.store
        let now = self.now
        let script = ScriptRun(
            options: options, directory: context.appDirectory,
            environment: ScriptRun.environment(for: deployment, stageIndex: index, extra: options.env),
            output: { lines in
                guard !lines.isEmpty else { return }
                let at = now()
                // A log line that cannot be stored must not fail the script; the stage's verdict is stored apart.
                _ = try? await store.write([], events: lines.map {
                    NewEvent(kind: .stageLog, at: at, app: deployment.app, deployment: deployment.id, stageIndex: index,
                             message: $0, data: ["level": "info", "source": "script"])
                })
            })
        let ending: ScriptRun.Ending?
        if let timeout = options.timeout {
            ending = await withTaskGroup(of: ScriptRun.Ending?.self) { group in
                group.addTask { await script.run() }
                group.addTask { [clock] in
                    try? await clock.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                let first = await group.next() ?? nil
                if first == nil, !Task.isCancelled {
                    group.cancelAll()
                    _ = await group.next()  // the script, killed
                    return nil
                }
                return first ?? .stopped
            }
        } else {
            ending = await script.run()
        }
        switch ending {
        case nil:
            return .finished(.failure(reason: "script timed out after \(DurationText.format(options.timeout ?? .zero)) and was killed"))
        case .exited(0):
            return .finished(.success)
        case .exited(let status):
            return .finished(.failure(reason: "script exited with status \(status)"))
        case .signalled(let signal):
            return .finished(.failure(reason: "script was killed by signal \(signal)"))
        case .couldNotStart(let why):
            return .finished(.failure(reason: why))
        case .stopped:
            return .stopped
        }
    }
}
