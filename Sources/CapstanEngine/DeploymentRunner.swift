public import CapstanAnalysis
public import CapstanCore
import CapstanPluginKit
public import Foundation
import Metrics

/// Carries out deployments: feeds the ``DeploymentMachine`` and performs its actions — platform
/// stages through the target's plugin, WAIT and SCRIPT_RUN here — persisting every transition
/// before acting on it. Running a deployment that was interrupted resumes it where it was.
///
/// People's commands (rollback, cancel) reach a deployment through ``command(_:_:)``: the transition
/// is persisted at once, the stage in flight is cut off, and the run goes on with what the machine
/// asks next (the ROLLBACK stage, or the end).
public actor DeploymentRunner {
    let store: any DeploymentStore
    let loader: any DeploymentContextLoader
    let platforms: [String: any StagePlatform]
    /// ANALYSIS providers by the names metrics use.
    let analysisProviders: [String: any MetricProvider]
    let clock: any Clock<Duration>
    let now: @Sendable () -> Date

    /// Deployments being run by this runner now, by id.
    private var active: [DeploymentID: ActiveRun] = [:]
    /// Deployments with a transition being applied, and who waits for their turn: transitions of one
    /// deployment are computed and persisted one at a time, in order.
    private var applying: [DeploymentID: [CheckedContinuation<Void, Never>]] = [:]

    /// A stage cut off this many times (plugin restarts, not stage failures) fails.
    static let maxAttempts = 3

    /// What the runner keeps of a deployment it is running.
    private struct ActiveRun {
        var machine: DeploymentMachine
        let context: DeploymentContext
        /// The stage in flight; a command cancels it.
        var stage: Task<StageRun, Never>?
        /// Set by a command: what to do instead of handling the stage in flight's result.
        var redirect: [DeploymentMachine.Action]?
    }

    /// `platforms` maps a target name to the platform that deploys there.
    public init(store: any DeploymentStore, loader: any DeploymentContextLoader, platforms: [String: any StagePlatform],
                analysisProviders: [String: any MetricProvider] = [:],
                clock: any Clock<Duration> = ContinuousClock(), now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.loader = loader
        self.platforms = platforms
        self.analysisProviders = analysisProviders
        self.clock = clock
        self.now = now
    }

    /// Runs (or resumes) a deployment to its end; returns the final state.
    public func run(_ id: DeploymentID) async throws -> DeploymentState {
        guard active[id] == nil else { throw StoreError.conflict("deployment \(id) is already running here") }
        guard let deployment = try await store.deployment(id) else { throw StoreError.notFound("deployment \(id)") }
        guard !deployment.state.isFinal else { return deployment.state }
        let stages = try await store.stages(of: id)
        let context: DeploymentContext
        do {
            context = try await loader.context(for: deployment)
        } catch {
            // Never a silently stuck deployment: one that cannot even be read ends FAILURE, saying why.
            let reason = "cannot read the application at \(deployment.commit.short): \(error)"
            return try await apply(.abort(reason: reason), to: id, nil).machine.deployment.state
        }
        let machine = DeploymentMachine(deployment: deployment, stages: stages, autoRollback: context.app.spec.rollback.auto)
        active[id] = ActiveRun(machine: machine, context: context)
        defer { active[id] = nil }
        var actions: [DeploymentMachine.Action] = []
        switch deployment.state {
        case .pending:
            actions += try await apply(try await plan(deployment, context), to: id, context).actions
            actions += try await apply(.start, to: id, context).actions
        case .planned:
            actions += try await apply(.start, to: id, context).actions
        default:
            actions += try await apply(.resume, to: id, context).actions
        }
        while !actions.isEmpty {
            switch actions.removeFirst() {
            case .runStage(let index, let kind, let attempt):
                let started = ContinuousClock.now
                CrashPoint.hit("before-stage:\(kind.rawValue)")
                let run = await runInFlight(id, index, kind, attempt: attempt, context: context)
                CrashPoint.hit("after-stage:\(kind.rawValue)")
                Metrics.Timer(label: "capstan_stage_duration_seconds",
                              dimensions: [("stage", kind.rawValue), ("result", Self.result(run))],
                              preferredDisplayUnit: .seconds).record(since: started)
                if let redirect = takeRedirect(id) {
                    actions = redirect
                    continue
                }
                let input: DeploymentMachine.Input
                switch run {
                case .finished(let outcome):
                    input = .stageFinished(index: index, outcome: outcome)
                case .interrupted where attempt < Self.maxAttempts:
                    input = .resume
                case .interrupted(let why):
                    input = .stageFinished(index: index, outcome: .failure(reason: "interrupted \(attempt) times; last: \(why)"))
                case .stopped:
                    return state(of: id)  // still RUNNING: the next run resumes this stage
                }
                do {
                    actions += try await apply(input, to: id, context).actions
                } catch is DeploymentMachine.Refusal {
                    // A command was applied between the stage's end and its result: it decides what is next.
                    guard let redirect = takeRedirect(id) else { throw StoreError.conflict("deployment \(id) changed under its run") }
                    actions = redirect
                }
            case .abortStage:
                continue  // the stage in flight was cut off when the command arrived
            case .finished(let state):
                Counter(label: "capstan_deployments_total", dimensions: [("state", state.rawValue)]).increment()
                if let machine = active[id]?.machine { await finish(machine, context: context) }
                return state
            }
        }
        return state(of: id)
    }

    /// Applies a person's command to a deployment and persists it before returning. When this runner is
    /// running the deployment, the stage in flight is cut off and the run continues with what the
    /// machine asks next; otherwise the dispatcher picks the deployment up (a rollback then runs).
    ///
    /// Throws ``DeploymentMachine/Refusal`` when the command does not apply to the deployment now.
    public func command(_ id: DeploymentID, _ input: DeploymentMachine.Input) async throws -> Deployment {
        let result = try await apply(input, to: id, active[id]?.context)
        if active[id] != nil {
            active[id]?.redirect = result.actions
            active[id]?.stage?.cancel()
        }
        return result.machine.deployment
    }

    /// The deployments this runner is running now.
    public var running: Set<DeploymentID> { Set(active.keys) }

    private func runInFlight(_ id: DeploymentID, _ index: Int, _ kind: StageKind, attempt: Int,
                             context: DeploymentContext) async -> StageRun {
        // A command applied since this stage was asked for has already cancelled it.
        guard let machine = active[id]?.machine, active[id]?.redirect == nil else { return .stopped }
        let task = Task { await self.runStage(index, kind, attempt: attempt, machine: machine, context: context) }
        active[id]?.stage = task
        let run = await withTaskCancellationHandler { await task.value } onCancel: { task.cancel() }
        active[id]?.stage = nil
        return run
    }

    private func takeRedirect(_ id: DeploymentID) -> [DeploymentMachine.Action]? {
        guard let redirect = active[id]?.redirect else { return nil }
        active[id]?.redirect = nil
        return redirect
    }

    private func state(of id: DeploymentID) -> DeploymentState {
        active[id]?.machine.deployment.state ?? .running
    }

    /// Plans a deployment against what is live now. It was created against what was live then, but
    /// another deployment of the application may have ended since (one runs at a time): a commit pushed
    /// during a first deployment must not be treated as a first deployment too (no previous commit, so
    /// quick sync, and a rollback with nothing to return to).
    private func plan(_ deployment: Deployment, _ context: DeploymentContext) async throws -> DeploymentMachine.Input {
        guard deployment.trigger != .selfHeal else { return .plan }  // a repair of what is live, as it was
        let live = try await store.app(deployment.app)?.lastDeployedCommit
        let strategy = Planner.strategy(for: context.app.spec, firstDeployment: live == nil)
        return .replan(previousCommit: live, strategy: strategy,
                       pipeline: Planner.stageSpecs(for: context.app.spec, strategy: strategy))
    }

    static func result(_ run: StageRun) -> String {
        switch run {
        case .finished(.success): "success"
        case .finished(.failure): "failure"
        case .interrupted: "interrupted"
        case .stopped: "stopped"
        }
    }

    /// Applies an input to the deployment's current machine (the active run's, else one read from the
    /// store) and persists its transition, with the application's record when it ends. One transition
    /// per deployment at a time, so a command and a stage result never interleave.
    private func apply(_ input: DeploymentMachine.Input, to id: DeploymentID, _ context: DeploymentContext?)
        async throws -> (machine: DeploymentMachine, actions: [DeploymentMachine.Action]) {
        await lock(id)
        defer { unlock(id) }
        var machine: DeploymentMachine
        if let current = active[id]?.machine {
            machine = current
        } else {
            guard let deployment = try await store.deployment(id) else { throw StoreError.notFound("deployment \(id)") }
            let autoRollback = context?.app.spec.rollback.auto ?? false
            machine = DeploymentMachine(deployment: deployment, stages: try await store.stages(of: id), autoRollback: autoRollback)
        }
        var transition = try machine.handle(input, at: now())
        for case .finished(let state) in transition.actions {
            try await appendAppRecord(for: machine.deployment, ending: state, context, to: &transition)
        }
        try await store.write(transition.changes, events: transition.events)
        if active[id] != nil { active[id]?.machine = machine }
        return (machine, transition.actions)
    }

    private func lock(_ id: DeploymentID) async {
        if applying[id] == nil {
            applying[id] = []
            return
        }
        await withCheckedContinuation { applying[id, default: []].append($0) }
    }

    private func unlock(_ id: DeploymentID) {
        guard var waiters = applying[id], !waiters.isEmpty else {
            applying[id] = nil
            return
        }
        waiters.removeFirst().resume()
        applying[id] = waiters
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
