import CapstanCore
import CapstanPluginKit
import Foundation

/// How running a stage ended, from the executor's side.
enum StageRun: Sendable {
    /// The stage has a verdict.
    case finished(DeploymentMachine.StageOutcome)
    /// The plugin was cut off mid-stage through no fault of the stage: run it again (a new attempt).
    case interrupted(String)
    /// The server is shutting down or the caller went away: leave the stage RUNNING to resume later.
    case stopped
}

extension DeploymentRunner {
    /// Runs one stage to its outcome, within the stage's `timeout:` when it has one. Never throws:
    /// whatever goes wrong becomes a FAILURE with a reason people can act on, unless there is no
    /// verdict to give (see ``StageRun``).
    func runStage(_ index: Int, _ kind: StageKind, attempt: Int, machine: DeploymentMachine,
                  context: DeploymentContext) async -> StageRun {
        let pipeline = context.app.spec.pipeline
        let fromPipeline = machine.deployment.strategy == .pipeline && pipeline.indices.contains(index)
            && pipeline[index].kind == kind
        let spec = fromPipeline ? pipeline[index] : StageSpec(kind)
        let work: @Sendable () async -> StageRun = { [self] in
            await perform(spec, index: index, attempt: attempt, deployment: machine.deployment,
                          startedAt: machine.stages[index].startedAt, context: context)
        }
        guard let timeout = spec.timeout else { return await work() }
        return await withTaskGroup(of: StageRun?.self) { group in
            group.addTask { await work() }
            group.addTask { [clock] in
                try? await clock.sleep(for: timeout)
                return Task.isCancelled ? nil : .finished(.failure(reason: "timed out after \(DurationText.format(timeout))"))
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let outcome = next { return outcome }
            }
            return .stopped
        }
    }

    private func perform(_ spec: StageSpec, index: Int, attempt: Int, deployment: Deployment, startedAt: Date?,
                         context: DeploymentContext) async -> StageRun {
        switch spec.kind {
        case .wait:
            guard case .wait(let duration) = spec.options else { return .finished(.failure(reason: "WAIT without a duration")) }
            // A resumed WAIT only waits for what is left of it.
            let elapsed = startedAt.map { Duration.seconds(now().timeIntervalSince($0)) } ?? .zero
            do {
                try await clock.sleep(for: max(.zero, duration - elapsed))
                return .finished(.success)
            } catch {
                return .stopped
            }
        case .scriptRun:
            guard case .scriptRun(let options) = spec.options else { return .finished(.failure(reason: "SCRIPT_RUN without run")) }
            return await runScript(options, index: index, deployment: deployment, context: context)
        case .analysis:
            guard case .analysis(let options) = spec.options else { return .finished(.failure(reason: "ANALYSIS without metrics")) }
            return await runAnalysis(options, index: index, deployment: deployment)
        case .waitApproval:
            guard case .waitApproval(let options) = spec.options else { return await waitForApproval(WaitApprovalOptions(), index: index, deployment: deployment) }
            return await waitForApproval(options, index: index, deployment: deployment)
        default:
            return await runOnPlatform(spec, index: index, attempt: attempt, deployment: deployment, context: context)
        }
    }

    private func runOnPlatform(_ spec: StageSpec, index: Int, attempt: Int, deployment: Deployment,
                               context: DeploymentContext) async -> StageRun {
        let target = context.app.spec.target
        guard let platform = platforms[target] else {
            return .finished(.failure(reason: "no deploy target named \"\(target)\" in the server config"))
        }
        let params = ExecuteStageParams(
            deploymentId: deployment.id, app: deployment.app, stageIndex: index, stage: spec.kind, attempt: attempt,
            commit: deployment.commit, previousCommit: deployment.previousCommit, appDirectory: context.appDirectory,
            manifests: context.manifests, options: spec.options.json)
        do {
            let result = try await platform.executeStage(params, timeout: spec.timeout)
            try await recordLogs(result.logs, deployment: deployment, index: index)
            switch result.status {
            case .success: return .finished(.success)
            case .failure: return .finished(.failure(reason: result.reason ?? "the \(target) plugin reported a failure"))
            }
        } catch let error as PluginError {
            switch error.code {
            case .shutDown, .cancelled: return .stopped
            case .interrupted: return .interrupted("\(error)")
            default: return .finished(.failure(reason: "\(error)"))
            }
        } catch {
            return .finished(.failure(reason: "could not record the stage's log: \(error)"))
        }
    }

    private func recordLogs(_ lines: [LogLine], deployment: Deployment, index: Int) async throws {
        guard !lines.isEmpty else { return }
        try await store.write([], events: lines.map { line in
            NewEvent(kind: .stageLog, at: line.time, app: deployment.app, deployment: deployment.id, stageIndex: index,
                     message: line.message, data: ["level": line.level.rawValue])
        })
    }
}
