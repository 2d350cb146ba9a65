/// The kinds of stage a pipeline can hold.
public enum StageKind: String, Sendable, Hashable, CaseIterable, Codable {
    case sync = "SYNC"
    case canaryRollout = "CANARY_ROLLOUT"
    case baselineRollout = "BASELINE_ROLLOUT"
    case primaryRollout = "PRIMARY_ROLLOUT"
    case trafficRouting = "TRAFFIC_ROUTING"
    case canaryClean = "CANARY_CLEAN"
    case baselineClean = "BASELINE_CLEAN"
    case rollback = "ROLLBACK"
    case wait = "WAIT"
    case waitApproval = "WAIT_APPROVAL"
    case analysis = "ANALYSIS"
    case scriptRun = "SCRIPT_RUN"

    /// Platform stages go to the plugin; the others run in the engine.
    public var runsOnPlatform: Bool {
        switch self {
        case .wait, .waitApproval, .analysis, .scriptRun: false
        default: true
        }
    }

    /// ROLLBACK is added by Capstan itself when a stage fails; it cannot be listed in a pipeline.
    public var isUserStage: Bool { self != .rollback }
}

/// One entry of an application's pipeline.
public struct StageSpec: Sendable, Hashable {
    public var kind: StageKind
    public var options: StageOptions
    /// The stage fails when it runs longer than this.
    public var timeout: Duration?

    public init(_ kind: StageKind, options: StageOptions = .none, timeout: Duration? = nil) {
        self.kind = kind
        self.options = options
        self.timeout = timeout
    }
}

/// The `with:` options of a stage, typed by stage kind.
public enum StageOptions: Sendable, Hashable {
    case none
    /// CANARY_ROLLOUT, BASELINE_ROLLOUT: how many instances the variant runs.
    case rollout(replicas: ReplicaCount)
    case trafficRouting(TrafficWeights)
    case wait(duration: Duration)
    case waitApproval(WaitApprovalOptions)
    case scriptRun(ScriptRunOptions)
    case analysis(AnalysisOptions)
}

/// A replica count, absolute or as a share of primary's replicas.
public enum ReplicaCount: Sendable, Hashable, CustomStringConvertible {
    case count(Int)
    /// 1...100 percent of primary's replicas, rounded up to at least one instance.
    case percent(Int)

    /// The number of instances for a primary of `primaryReplicas`.
    public func resolve(primaryReplicas: Int) -> Int {
        switch self {
        case .count(let n): n
        case .percent(let p): max(1, (primaryReplicas * p + 99) / 100)
        }
    }

    public var description: String {
        switch self {
        case .count(let n): "\(n)"
        case .percent(let p): "\(p)%"
        }
    }
}

/// Traffic shares per variant, in percent; they sum to 100.
public struct TrafficWeights: Sendable, Hashable {
    public var primary: Int
    public var canary: Int
    public var baseline: Int

    public init(primary: Int = 0, canary: Int = 0, baseline: Int = 0) {
        self.primary = primary
        self.canary = canary
        self.baseline = baseline
    }
}

/// Options of WAIT_APPROVAL: who may approve and how many approvals promote.
public struct WaitApprovalOptions: Sendable, Hashable {
    public var approvers: [String]
    public var minApprovals: Int

    public init(approvers: [String] = [], minApprovals: Int = 1) {
        self.approvers = approvers
        self.minApprovals = minApprovals
    }
}

/// Options of SCRIPT_RUN: a shell command whose non-zero exit fails the stage.
public struct ScriptRunOptions: Sendable, Hashable {
    public var run: String
    public var env: [String: String]
    /// The script is killed after this long.
    public var timeout: Duration?

    public init(run: String, env: [String: String] = [:], timeout: Duration? = nil) {
        self.run = run
        self.env = env
        self.timeout = timeout
    }
}
