public import CapstanCore

/// One page of a stage's log (`GET /api/v1/deployments/{id}/stages/{index}/logs`), with the stage's and the
/// deployment's state so that a follower knows when to stop.
public struct StageLogsView: Sendable, Hashable, Codable {
    public var deployment: DeploymentID
    /// The stage's index.
    public var stage: Int
    public var kind: StageKind
    /// The stage's state.
    public var state: StageState
    /// The deployment's state: once it is final, no more lines come (beyond a few still being written).
    public var deploymentState: DeploymentState
    /// Oldest first.
    public var lines: [LogLineView]
    /// What to pass as `?after=` for the next page: the last line's sequence, or the `after` asked for.
    public var next: Int64

    /// The page of `stage`'s log holding `events` (its `stage.log` events), read after `after`.
    public init(_ deployment: Deployment, stage: StageRecord, events: [Event], after: Int64) {
        self.deployment = deployment.id
        self.stage = stage.index
        kind = stage.kind
        state = stage.state
        deploymentState = deployment.state
        lines = events.map(LogLineView.init)
        next = events.last?.sequence ?? after
    }
}

/// One line of a stage's log.
public struct LogLineView: Sendable, Hashable, Codable {
    /// The event's sequence: global, so lines of different stages interleave by it.
    public var sequence: Int64
    /// When the plugin or the engine wrote it.
    public var time: Timestamp
    /// `info`, `warning` or `error`.
    public var level: String
    public var message: String

    /// The line a `stage.log` event carries; a line without a level is `info`.
    public init(_ event: Event) {
        sequence = event.sequence
        time = Timestamp(event.at)
        level = event.data["level"] ?? "info"
        message = event.message
    }
}
