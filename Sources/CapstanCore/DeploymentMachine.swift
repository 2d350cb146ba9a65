public import Foundation

/// The lifecycle of one deployment as a pure state machine: feed it an ``Input``, get back a
/// ``Transition`` — the record changes and events to persist (in one store write) and then the
/// actions to carry out. It does no I/O and reads no clock, so every path is tested without either.
///
/// Every deployment's stages end with a ROLLBACK stage. It runs when a stage fails and
/// `rollback.auto` is on, or when someone rolls back or cancels with rollback; otherwise it ends
/// SKIPPED. Persisting a stage as RUNNING happens in the same transition that asks for it to run,
/// so after a crash ``Input/resume`` knows exactly which stage to run again (plugins are idempotent).
public struct DeploymentMachine: Sendable, Hashable {
    public internal(set) var deployment: Deployment
    public internal(set) var stages: [StageRecord]
    /// Run ROLLBACK when a stage fails.
    public let autoRollback: Bool
    /// Set when a cancel with rollback started the rollback, so it ends CANCELLED rather than FAILURE.
    var endAfterRollback: DeploymentState = .failure

    /// What can happen to a deployment.
    public enum Input: Sendable, Hashable {
        case plan
        /// Plan it with what is live now: deployments of one application run one after another, so the
        /// previous commit — and with it the strategy and stages — may differ from when it was created.
        case replan(previousCommit: CommitID?, strategy: PlannedStrategy, pipeline: [StageSpec])
        case start
        case stageFinished(index: Int, outcome: StageOutcome)
        /// Stop it; with `rollback`, return traffic to the previous version first.
        case cancel(rollback: Bool, by: String)
        /// Roll a running deployment back by hand.
        case rollback(by: String)
        /// End the stage running now as SKIPPED (someone decided it need not finish) and go on.
        case skipStage(by: String)
        /// A newer commit replaces this one before it started.
        case supersede(by: DeploymentID)
        /// After a restart: run again whatever was running.
        case resume
        /// End it as FAILURE without rollback: it cannot run at all (its config at the commit is unreadable).
        case abort(reason: String)
    }

    /// How a stage ended.
    public enum StageOutcome: Sendable, Hashable {
        case success
        case failure(reason: String)
    }

    /// What the executor must do once the transition is persisted.
    public enum Action: Sendable, Hashable {
        case runStage(index: Int, kind: StageKind, attempt: Int)
        /// Stop a stage that is in flight (its result no longer matters).
        case abortStage(index: Int)
        case finished(DeploymentState)
    }

    /// The result of one input: persist `changes` and `events` together, then perform `actions`.
    public struct Transition: Sendable, Hashable {
        public var changes: [StoreChange] = []
        public var events: [NewEvent] = []
        public var actions: [Action] = []
    }

    /// An input that does not apply in the current state (e.g. a stage result arriving twice).
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// A new PENDING deployment of `stages` (ROLLBACK is appended), and the transition that records it.
    /// No stage options are recorded: prefer ``create(_:pipeline:autoRollback:)``.
    public static func create(_ deployment: Deployment, stages kinds: [StageKind], autoRollback: Bool)
        -> (DeploymentMachine, Transition)
    {
        create(deployment, pipeline: kinds.map { StageSpec($0) }, autoRollback: autoRollback)
    }

    /// A new PENDING deployment of `pipeline` (ROLLBACK is appended), and the transition that records it.
    /// Each stage record keeps its spec's options (as ``StageOptions/json``), so the API can show them.
    public static func create(_ deployment: Deployment, pipeline specs: [StageSpec], autoRollback: Bool)
        -> (DeploymentMachine, Transition)
    {
        let kinds = specs.map(\.kind)
        let records = stageRecords(deployment.id, specs)
        let machine = DeploymentMachine(deployment: deployment, stages: records, autoRollback: autoRollback)
        var data = ["commit": deployment.commit.hex, "trigger": deployment.trigger.rawValue,
                    "strategy": deployment.strategy.rawValue, "stages": kinds.map(\.rawValue).joined(separator: ",")]
        data["previousCommit"] = deployment.previousCommit?.hex
        let event = NewEvent(kind: .deploymentCreated, at: deployment.createdAt, app: deployment.app,
                             deployment: deployment.id,
                             message: "deployment of \(deployment.commit.short) created (\(deployment.trigger.rawValue))",
                             data: data)
        return (machine, Transition(changes: [.insertDeployment(deployment, stages: records)], events: [event]))
    }

    /// The stage records of `specs`, ROLLBACK appended; each keeps its spec's options.
    static func stageRecords(_ id: DeploymentID, _ specs: [StageSpec]) -> [StageRecord] {
        (specs + [StageSpec(.rollback)]).enumerated().map {
            StageRecord(deployment: id, index: $0, kind: $1.kind, options: $1.options.json)
        }
    }

    /// Rebuilds the machine from stored records (after a restart).
    public init(deployment: Deployment, stages: [StageRecord], autoRollback: Bool) {
        self.deployment = deployment
        self.stages = stages.sorted { $0.index < $1.index }
        self.autoRollback = autoRollback
        // The only rollback that ends CANCELLED is one a cancel started, and its reason says so.
        if deployment.state == .rollingBack, deployment.reason?.hasPrefix(Self.cancelPrefix) == true {
            endAfterRollback = .cancelled
        }
    }

    static let cancelPrefix = "cancelled by "

    /// The index of the trailing ROLLBACK stage.
    public var rollbackIndex: Int { stages.count - 1 }

    /// Applies `input` at time `now`.
    public mutating func handle(_ input: Input, at now: Date) throws(Refusal) -> Transition {
        var t = Builder(machine: self, now: now)
        try t.apply(input)
        self = t.machine
        return t.transition
    }
}
