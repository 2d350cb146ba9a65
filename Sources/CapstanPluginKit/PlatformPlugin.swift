public import CapstanCore

/// A platform plugin written in Swift: implement this and serve it with ``PluginServer``.
///
/// Methods may run concurrently (a `liveState` while a stage runs), so the type must be safe to call
/// from several tasks at once; an actor is the natural choice. Throw a ``JSONRPCError`` to answer
/// with a specific code; any other error thrown by `executeStage` becomes -32000 (stage failed) and
/// by the other methods -32603 (internal error), with the error's description as the message.
public protocol PlatformPlugin: Sendable {
    /// Called once, before anything else: keep the target config and data directory.
    func initialize(_ params: InitializeParams) async throws
    func capabilities() async throws -> Capabilities
    func liveState(_ params: LiveStateParams) async throws -> LiveState
    /// Runs one stage. Must be idempotent: the same stage may arrive again, with a higher attempt,
    /// after a restart. Send progress through `log` as it happens.
    func executeStage(_ params: ExecuteStageParams, log: StageLogger) async throws -> ExecuteStageResult
    /// A deployment ended: release what was kept for it. May arrive twice; the default does nothing.
    func finishDeployment(_ params: FinishDeploymentParams) async throws
    /// Called on the `shutdown` request, before the answer; the process exits after it.
    func shutdown() async
}

extension PlatformPlugin {
    public func shutdown() async {}
    public func finishDeployment(_ params: FinishDeploymentParams) async throws {}
}

/// Sends `log` notifications for one running stage; they reach the server as the stage runs.
public struct StageLogger: Sendable {
    public let deploymentId: DeploymentID
    public let stageIndex: Int
    private let deliver: @Sendable (StageLogParams) -> Void

    /// A logger that hands each line to `deliver` (``PluginServer`` sends it as a notification; tests keep it).
    public init(deploymentId: DeploymentID, stageIndex: Int, deliver: @escaping @Sendable (StageLogParams) -> Void) {
        self.deploymentId = deploymentId
        self.stageIndex = stageIndex
        self.deliver = deliver
    }

    /// Sends one line now.
    public func callAsFunction(_ message: String, level: LogLine.Level = .info) {
        deliver(StageLogParams(deploymentId: deploymentId, stageIndex: stageIndex, line: LogLine(level: level, message)))
    }
}
