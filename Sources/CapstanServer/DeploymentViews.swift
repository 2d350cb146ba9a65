public import CapstanCore

/// A deployment as `GET /api/v1/deployments` lists it.
public struct DeploymentView: Sendable, Hashable, Codable {
    public var id: DeploymentID
    public var app: String
    public var commit: CommitID
    /// What was live when it was planned; null for a first deployment.
    @Nullable public var previousCommit: CommitID?
    public var state: DeploymentState
    public var trigger: DeploymentTrigger
    public var strategy: PlannedStrategy
    /// Why it is in its state, for people; null when there is nothing to say.
    @Nullable public var reason: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp

    /// The API view of `deployment`.
    public init(_ deployment: Deployment) {
        id = deployment.id
        app = deployment.app
        commit = deployment.commit
        previousCommit = deployment.previousCommit
        state = deployment.state
        trigger = deployment.trigger
        strategy = deployment.strategy
        reason = deployment.reason
        createdAt = Timestamp(deployment.createdAt)
        updatedAt = Timestamp(deployment.updatedAt)
    }
}

/// One stage of a deployment.
public struct StageView: Sendable, Hashable, Codable {
    public var index: Int
    public var kind: StageKind
    /// The stage's `with:` options with defaults filled in (`{"primary": 90, "canary": 10, "baseline": 0}` for
    /// TRAFFIC_ROUTING); `{}` when it has none or they were not recorded.
    public var options: JSONValue
    public var state: StageState
    public var attempts: Int
    @Nullable public var reason: String?
    @Nullable public var startedAt: Timestamp?
    @Nullable public var finishedAt: Timestamp?
    /// For ANALYSIS stages that measured something: the verdicts and the score; absent otherwise.
    public var analysis: AnalysisView?

    /// The API view of `stage`.
    public init(_ stage: StageRecord, analysis: AnalysisView? = nil) {
        self.analysis = analysis
        index = stage.index
        kind = stage.kind
        options = stage.options
        state = stage.state
        attempts = stage.attempts
        reason = stage.reason
        startedAt = stage.startedAt.map(Timestamp.init)
        finishedAt = stage.finishedAt.map(Timestamp.init)
    }

    private enum CodingKeys: String, CodingKey {
        case index, kind, options, state, attempts, reason, startedAt, finishedAt, analysis
    }

    /// Decodes a stage from a server that predates `options` too (it reads as `{}`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        index = try container.decode(Int.self, forKey: .index)
        kind = try container.decode(StageKind.self, forKey: .kind)
        options = try container.decodeIfPresent(JSONValue.self, forKey: .options) ?? .object([:])
        state = try container.decode(StageState.self, forKey: .state)
        attempts = try container.decode(Int.self, forKey: .attempts)
        _reason = try container.decode(Nullable<String>.self, forKey: .reason)
        _startedAt = try container.decode(Nullable<Timestamp>.self, forKey: .startedAt)
        _finishedAt = try container.decode(Nullable<Timestamp>.self, forKey: .finishedAt)
        analysis = try container.decodeIfPresent(AnalysisView.self, forKey: .analysis)
    }
}

/// A recorded approval of a WAIT_APPROVAL stage.
public struct ApprovalView: Sendable, Hashable, Codable {
    public var stageIndex: Int
    public var approver: String
    public var at: Timestamp

    /// The API view of `approval`.
    public init(_ approval: Approval) {
        stageIndex = approval.stageIndex
        approver = approval.approver
        at = Timestamp(approval.at)
    }
}

/// One deployment in detail (`GET /api/v1/deployments/{id}`): the deployment's fields, its stages, approvals and events.
public struct DeploymentDetailView: Sendable, Hashable, Codable {
    public var id: DeploymentID
    public var app: String
    public var commit: CommitID
    @Nullable public var previousCommit: CommitID?
    public var state: DeploymentState
    public var trigger: DeploymentTrigger
    public var strategy: PlannedStrategy
    @Nullable public var reason: String?
    public var createdAt: Timestamp
    public var updatedAt: Timestamp
    /// Ordered by index.
    public var stages: [StageView]
    /// Ordered by stage, then time.
    public var approvals: [ApprovalView]
    /// Every event of this deployment, oldest first.
    public var events: [EventView]

    /// The detail view of `deployment`.
    public init(_ deployment: Deployment, stages: [StageRecord], approvals: [Approval], events: [Event]) {
        let summary = DeploymentView(deployment)
        id = summary.id
        app = summary.app
        commit = summary.commit
        previousCommit = summary.previousCommit
        state = summary.state
        trigger = summary.trigger
        strategy = summary.strategy
        reason = summary.reason
        createdAt = summary.createdAt
        updatedAt = summary.updatedAt
        let analyses = AnalysisView.byStage(events)
        self.stages = stages.map { StageView($0, analysis: analyses[$0.index]) }
        self.approvals = approvals.map(ApprovalView.init)
        self.events = events.map(EventView.init)
    }
}

/// An event as `GET /api/v1/events` pages through them.
public struct EventView: Sendable, Hashable, Codable {
    /// 1, 2, 3, … across the whole store, with no gaps: the cursor for `?after=`.
    public var sequence: Int64
    public var kind: EventKind
    public var at: Timestamp
    @Nullable public var app: String?
    @Nullable public var deployment: DeploymentID?
    @Nullable public var stageIndex: Int?
    public var message: String
    /// Machine-readable details (states, commit, weights).
    public var data: [String: String]

    /// The API view of `event`.
    public init(_ event: Event) {
        sequence = event.sequence
        kind = event.kind
        at = Timestamp(event.at)
        app = event.app
        deployment = event.deployment
        stageIndex = event.stageIndex
        message = event.message
        data = event.data
    }
}
