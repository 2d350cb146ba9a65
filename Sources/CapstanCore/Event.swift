public import Foundation

/// What happened. Stable strings: users filter on them and notification receivers switch on them.
public enum EventKind: String, Sendable, Hashable, Codable, CaseIterable {
    case deploymentCreated = "deployment.created"
    case deploymentStateChanged = "deployment.state_changed"
    /// Planned differently from when it was created: what was live had changed meanwhile.
    case deploymentReplanned = "deployment.replanned"
    case stageStateChanged = "stage.state_changed"
    case stageLog = "stage.log"
    /// ANALYSIS: one value read (data: metric, variant, value or note).
    case analysisMeasurement = "analysis.measurement"
    /// ANALYSIS: a metric's verdict after a measurement (classification, p-value, estimate, interval).
    case analysisVerdict = "analysis.verdict"
    /// ANALYSIS: the stage's score and result.
    case analysisResult = "analysis.result"
    case approvalRecorded = "approval.recorded"
    case appStatusChanged = "app.status_changed"
    case repositoryPolled = "repository.polled"
    case repositoryError = "repository.error"
}

/// An event before the store numbers it.
public struct NewEvent: Sendable, Hashable, Codable {
    public var kind: EventKind
    public var at: Date
    public var app: String?
    public var deployment: DeploymentID?
    public var stageIndex: Int?
    /// One line for people.
    public var message: String
    /// Machine-readable details (states, commit, weights); never secrets.
    public var data: [String: String]

    public init(kind: EventKind, at: Date, app: String? = nil, deployment: DeploymentID? = nil, stageIndex: Int? = nil,
                message: String, data: [String: String] = [:]) {
        self.kind = kind
        self.at = at
        self.app = app
        self.deployment = deployment
        self.stageIndex = stageIndex
        self.message = message
        self.data = data
    }
}

/// An event as stored: numbered by one global, gap-free, increasing sequence.
public struct Event: Sendable, Hashable, Codable {
    /// 1, 2, 3, … across the whole store, with no gaps.
    public var sequence: Int64
    public var kind: EventKind
    public var at: Date
    public var app: String?
    public var deployment: DeploymentID?
    public var stageIndex: Int?
    public var message: String
    public var data: [String: String]

    public init(sequence: Int64, _ event: NewEvent) {
        self.sequence = sequence
        self.kind = event.kind
        self.at = event.at
        self.app = event.app
        self.deployment = event.deployment
        self.stageIndex = event.stageIndex
        self.message = event.message
        self.data = event.data
    }
}
