public import CapstanCore
import CapstanPluginKit
public import Foundation
import Metrics

/// Carries out deployments: feeds the ``DeploymentMachine`` and performs its actions — platform
/// stages through the target's plugin, WAIT on the injected clock — persisting every transition
/// before acting on it. Running a deployment that was interrupted resumes it where it was.
public actor DeploymentRunner {
    let store: any DeploymentStore
    let loader: any DeploymentContextLoader
    let platforms: [String: any StagePlatform]
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date

    /// A stage cut off this many times (plugin restarts, not stage failures) fails.
    static let maxAttempts = 3

    /// `platforms` maps a target name to the platform that deploys there.
    public init(store: any DeploymentStore, loader: any DeploymentContextLoader, platforms: [String: any StagePlatform],
                clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.loader = loader
        self.platforms = platforms
        self.clock = clock
        self.now = now
    }

    /// Runs (or resumes) a deployment to its end; returns the final state.
    public func run(_ id: DeploymentID) async throws -> DeploymentState {
        guard let deployment = try await store.deployment(id) else { throw StoreError.notFound("deployment \(id)") }
        guard !deployment.state.isFinal else { return deployment.state }
        let stages = try await store.stages(of: id)
        let context: DeploymentContext
        do {
            context = try await loader.context(for: deployment)
        } catch {
            // Never a silently stuck deployment: one that cannot even be read ends FAILURE, saying why.
            var machine = DeploymentMachine(deployment: deployment, stages: stages, autoRollback: false)
            let reason = "cannot read the application at \(deployment.commit.short): \(error)"
            _ = try await apply(.abort(reason: reason), to: &machine, nil)
            return machine.deployment.state
        }
        var machine = DeploymentMachine(deployment: deployment, stages: stages, autoRollback: context.app.spec.rollback.auto)
        var actions: [DeploymentMachine.Action] = []
        switch deployment.state {
        case .pending:
            actions += try await apply(.plan, to: &machine, context)
            actions += try await apply(.start, to: &machine, context)
        case .planned:
            actions += try await apply(.start, to: &machine, context)
        default:
            actions += try await apply(.resume, to: &machine, context)
        }
        while !actions.isEmpty {
            switch actions.removeFirst() {
            case .runStage(let index, let kind, let attempt):
                let started = ContinuousClock.now
                let run = await runStage(index, kind, attempt: attempt, machine: machine, context: context)
                Metrics.Timer(label: "capstan_stage_duration_seconds",
                              dimensions: [("stage", kind.rawValue), ("result", Self.result(run))],
                              preferredDisplayUnit: .seconds).record(since: started)
                switch run {
                case .finished(let outcome):
                    actions += try await apply(.stageFinished(index: index, outcome: outcome), to: &machine, context)
                case .interrupted where attempt < Self.maxAttempts:
                    actions += try await apply(.resume, to: &machine, context)
                case .interrupted(let why):
                    let outcome = DeploymentMachine.StageOutcome.failure(reason: "interrupted \(attempt) times; last: \(why)")
                    actions += try await apply(.stageFinished(index: index, outcome: outcome), to: &machine, context)
                case .stopped:
                    return machine.deployment.state  // still RUNNING: the next run resumes this stage
                }
            case .abortStage:
                continue  // stages run one at a time here: the one to abort has already returned
            case .finished(let state):
                Counter(label: "capstan_deployments_total", dimensions: [("state", state.rawValue)]).increment()
                await finish(machine, context: context)
                return state
            }
        }
        return machine.deployment.state
    }

    /// Lets the platform release what it kept for the deployment. Best effort: the state is already stored,
    /// and a platform that missed the call cleans up at the application's next deployment.
    private func finish(_ machine: DeploymentMachine, context: DeploymentContext) async {
        guard let platform = platforms[context.app.spec.target] else { return }
        let deployment = machine.deployment
        let params = FinishDeploymentParams(
            deploymentId: deployment.id, app: deployment.app, state: deployment.state, commit: deployment.commit,
            previousCommit: deployment.previousCommit, rolledBack: machine.stages[machine.rollbackIndex].state == .success)
        try? await platform.finishDeployment(params)
    }

    static func result(_ run: StageRun) -> String {
        switch run {
        case .finished(.success): "success"
        case .finished(.failure): "failure"
        case .interrupted: "interrupted"
        case .stopped: "stopped"
        }
    }

    /// Applies an input and persists its transition (with the application's record when it ends).
    private func apply(_ input: DeploymentMachine.Input, to machine: inout DeploymentMachine,
                       _ context: DeploymentContext?) async throws -> [DeploymentMachine.Action] {
        var transition = try machine.handle(input, at: now())
        for case .finished(let state) in transition.actions {
            try await appendAppRecord(for: machine.deployment, ending: state, context, to: &transition)
        }
        try await store.write(transition.changes, events: transition.events)
        return transition.actions
    }

    /// A successful deployment makes its commit the deployed one; any end clears DEPLOYING.
    private func appendAppRecord(for deployment: Deployment, ending state: DeploymentState, _ context: DeploymentContext?,
                                 to transition: inout DeploymentMachine.Transition) async throws {
        let at = now()
        var record = try await store.app(deployment.app)
            ?? AppRecord(name: deployment.app, repository: "", configPath: context?.app.configPath ?? "", updatedAt: at)
        let before = record.status
        if state == .success {
            record.lastDeployedCommit = deployment.commit
            record.status = .synced
            record.summary = "\(deployment.commit.short) deployed"
        } else {
            record.status = .outOfSync
            record.summary = "deployment \(deployment.id) \(state.rawValue)" + (deployment.reason.map { ": \($0)" } ?? "")
        }
        record.updatedAt = at
        transition.changes.append(.upsertApp(record))
        if before != record.status {
            transition.events.append(NewEvent(kind: .appStatusChanged, at: at, app: deployment.app, deployment: deployment.id,
                                              message: "\(deployment.app) is \(record.status.rawValue): \(record.summary ?? "")",
                                              data: ["from": before.rawValue, "to": record.status.rawValue]))
        }
    }
}
