public import CapstanCore

/// What the engine asks of a deploy target's platform. ``PluginHost`` answers it over a plugin
/// process; ``InProcessPlatformClient`` answers it with a ``PlatformPlugin`` in the same process,
/// for tests and for plugins embedded in the server.
public protocol PlatformClient: Sendable {
    func capabilities() async throws(PluginError) -> Capabilities
    func liveState(app: String, deployedCommit: CommitID?) async throws(PluginError) -> LiveState
    /// A FAILURE result is the stage's verdict; a thrown error means there is none
    /// (see ``PluginHost/executeStage(_:timeout:)``).
    func executeStage(_ params: ExecuteStageParams, timeout: Duration?) async throws(PluginError)
        -> ExecuteStageResult
    /// A deployment ended (see ``FinishDeploymentParams``).
    func finishDeployment(_ params: FinishDeploymentParams) async throws(PluginError)
    func shutdown() async
}

extension PluginHost: PlatformClient {}

/// A ``PlatformPlugin`` called directly, with the host's semantics and no process: initialized on
/// first use, a stage's thrown error is a FAILURE result, other errors are ``PluginError``s.
/// No deadlines: nothing can hang that a test would not notice.
public actor InProcessPlatformClient<Plugin: PlatformPlugin>: PlatformClient {
    private let plugin: Plugin
    private let name: String
    private let initializeParams: InitializeParams
    private var state = State.new

    private enum State {
        case new
        case ready(Capabilities)
        case closed
    }

    /// `stageLog` receives the `log` lines of running stages, as a host's sink would.
    private let stageLog: @Sendable (StageLogParams) -> Void

    public init(_ plugin: Plugin, name: String, initialize: InitializeParams,
                stageLog: @escaping @Sendable (StageLogParams) -> Void = { _ in }) {
        self.plugin = plugin
        self.name = name
        self.initializeParams = initialize
        self.stageLog = stageLog
    }

    public func capabilities() async throws(PluginError) -> Capabilities {
        switch state {
        case .ready(let capabilities):
            return capabilities
        case .closed:
            throw PluginError(code: .shutDown, plugin: name, message: "the platform client was shut down")
        case .new:
            let capabilities = try await attempt(PluginMethod.initialize) {
                try await plugin.initialize(initializeParams)
                return try await plugin.capabilities()
            }
            state = .ready(capabilities)
            return capabilities
        }
    }

    public func liveState(app: String, deployedCommit: CommitID?) async throws(PluginError) -> LiveState {
        _ = try await capabilities()
        return try await attempt(PluginMethod.liveState) {
            try await plugin.liveState(LiveStateParams(app: app, deployedCommit: deployedCommit))
        }
    }

    public func executeStage(_ params: ExecuteStageParams, timeout: Duration?) async throws(PluginError)
        -> ExecuteStageResult
    {
        _ = try await capabilities()
        let log = StageLogger(deploymentId: params.deploymentId, stageIndex: params.stageIndex, deliver: stageLog)
        do {
            return try await plugin.executeStage(params, log: log)
        } catch let error as JSONRPCError where error.knownCode != .stageFailed {
            throw PluginError(code: .remoteError, plugin: name, message: "executeStage failed: \(error.message)",
                              rpcError: error)
        } catch let error as JSONRPCError {
            return .failure(error.message)
        } catch {
            return .failure(String(describing: error))
        }
    }

    public func finishDeployment(_ params: FinishDeploymentParams) async throws(PluginError) {
        _ = try await capabilities()
        try await attempt(PluginMethod.finishDeployment) { try await plugin.finishDeployment(params) }
    }

    public func shutdown() async {
        guard case .ready = state else {
            state = .closed
            return
        }
        state = .closed
        await plugin.shutdown()
    }

    private func attempt<T>(_ method: String, _ body: () async throws -> T) async throws(PluginError) -> T {
        do {
            return try await body()
        } catch let error as JSONRPCError {
            throw PluginError(code: .remoteError, plugin: name, message: "\(method) failed: \(error.message)",
                              rpcError: error)
        } catch {
            throw PluginError(code: .remoteError, plugin: name, message: "\(method) failed: \(error)",
                              rpcError: JSONRPCError(.internalError, String(describing: error)))
        }
    }
}
