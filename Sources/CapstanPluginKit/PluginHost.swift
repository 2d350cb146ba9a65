public import CapstanCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs one plugin process for one deploy target and speaks the plugin protocol to it.
///
/// The process starts on the first call, is restarted by the next call after it crashed or missed
/// a deadline (waiting out ``RestartBackoff`` first), and is stopped by ``shutdown()``:
/// a `shutdown` request, SIGTERM after the grace period, SIGKILL after another. Every call has a
/// deadline. Prefer ``withPluginHost(_:clock:sink:isolation:_:)``, which always shuts down.
public actor PluginHost {
    /// What to run and how patiently.
    public struct Configuration: Sendable {
        /// The plugin's name in the server config: names its log lines and its errors.
        public var name: String
        /// The executable: an absolute path, or a name looked up on PATH.
        public var executable: String
        public var arguments: [String]
        /// Added to the few variables of the server's environment a plugin gets (``PluginHost/baseEnvironment(from:)``).
        public var environment: [String: String]
        /// The deploy target this process serves.
        public var target: String
        /// The target's settings, handed to the plugin in `initialize`.
        public var targetConfig: [String: JSONValue]
        /// Passed to the plugin in `initialize`; created if missing.
        public var dataDirectory: String
        /// The deadline of `liveState`, `capabilities` and generic calls.
        public var callTimeout: Duration
        /// The deadline of `executeStage` when the caller gives none.
        public var stageTimeout: Duration
        /// The deadline of `initialize` plus `capabilities` when a process starts.
        public var startTimeout: Duration
        /// How long each step of ``PluginHost/shutdown()`` waits before the next, harsher one.
        public var shutdownGrace: Duration
        public var backoff: RestartBackoff
        /// How many of the plugin's last stderr lines are kept for crash reports.
        public var stderrLines: Int
        /// The longest stdout line accepted; longer ones are dropped (and logged), never buffered.
        public var maxLineBytes: Int

        public init(
            name: String, executable: String, arguments: [String] = [], environment: [String: String] = [:],
            target: String, targetConfig: [String: JSONValue] = [:], dataDirectory: String,
            callTimeout: Duration = .seconds(30), stageTimeout: Duration = .seconds(600),
            startTimeout: Duration = .seconds(10), shutdownGrace: Duration = .seconds(5),
            backoff: RestartBackoff = RestartBackoff(), stderrLines: Int = 20, maxLineBytes: Int = 16 * 1024 * 1024
        ) {
            self.name = name
            self.executable = executable
            self.arguments = arguments
            self.environment = environment
            self.target = target
            self.targetConfig = targetConfig
            self.dataDirectory = dataDirectory
            self.callTimeout = callTimeout
            self.stageTimeout = stageTimeout
            self.startTimeout = startTimeout
            self.shutdownGrace = shutdownGrace
            self.backoff = backoff
            self.stderrLines = stderrLines
            self.maxLineBytes = maxLineBytes
        }

        /// The configuration for a target of the server config; `executable` is the plugin's program.
        public init(target: TargetConfig, executable: String, arguments: [String] = [], dataDirectory: String) {
            self.init(name: target.plugin, executable: executable, arguments: arguments, target: target.name,
                      targetConfig: target.config, dataDirectory: dataDirectory)
        }
    }

    /// A started plugin: its process and what it said about itself.
    struct Running: Sendable {
        let process: PluginProcess
        let info: InitializeResult
        let capabilities: Capabilities
    }

    enum Phase {
        case idle
        /// One caller is starting the process; the others wait here for its outcome (nil: start it yourself).
        case starting(waiters: [CheckedContinuation<Result<Running, PluginError>?, Never>])
        case running(Running)
        case closed
    }

    public let configuration: Configuration
    let clock: HostClock
    let sink: any PluginLogSink
    var phase = Phase.idle
    var policy: RestartPolicy
    /// The process being started, so that `shutdown` can stop it too.
    var launching: PluginProcess?
    /// The last process that failed; a new one starts only after it has exited, so two never overlap.
    var previous: PluginProcess?
    var nextRequestID = 1

    /// A host that starts nothing until the first call. `clock` times deadlines and backoff.
    public init(_ configuration: Configuration, clock: any Clock<Duration> = ContinuousClock(),
                sink: any PluginLogSink = DiscardingPluginLogSink()) {
        self.configuration = configuration
        self.clock = HostClock(clock)
        self.sink = sink
        self.policy = RestartPolicy(backoff: configuration.backoff)
    }

    /// Runs `body` with a host and shuts the host down afterwards, even when `body` throws.
    public static func withPluginHost<R>(
        _ configuration: Configuration, clock: any Clock<Duration> = ContinuousClock(),
        sink: any PluginLogSink = DiscardingPluginLogSink(), isolation: isolated (any Actor)? = #isolation,
        _ body: (PluginHost) async throws -> sending R
    ) async throws -> sending R {
        let host = PluginHost(configuration, clock: clock, sink: sink)
        do {
            let result = try await body(host)
            await host.shutdown()
            return result
        } catch {
            await host.shutdown()
            throw error
        }
    }

    deinit {
        // Last resort when nobody called shutdown(): never leave a plugin running unsupervised.
        // Its exit waiter thread still reaps it.
        if case .running(let running) = phase { running.process.kill(SIGKILL, reason: "its host was released") }
        launching?.kill(SIGKILL, reason: "its host was released")
    }

    // MARK: - The protocol's methods

    /// Starts the plugin if needed and returns what it can do.
    @discardableResult
    public func capabilities() async throws(PluginError) -> Capabilities {
        try await running().capabilities
    }

    /// Starts the plugin if needed and returns what it said about itself in `initialize`.
    public func pluginInfo() async throws(PluginError) -> InitializeResult {
        try await running().info
    }

    /// The live resources of `app` and their health.
    public func liveState(app: String, deployedCommit: CommitID? = nil) async throws(PluginError) -> LiveState {
        try await call(PluginMethod.liveState, params: LiveStateParams(app: app, deployedCommit: deployedCommit),
                       timeout: configuration.callTimeout, as: LiveState.self)
    }

    /// Runs one stage.
    ///
    /// Returns the plugin's result; also a FAILURE result when the plugin answers error -32000
    /// (reason: its message) or when the plugin dies while running the stage (reason: how it ended
    /// and its last stderr lines). Throws only when there is no verdict on the stage: the plugin
    /// could not be started, missed `timeout` (it is then killed), was killed because another call
    /// missed its deadline (``PluginError/Code/interrupted``), broke the protocol, the host was shut
    /// down meanwhile, or the caller was cancelled. After those the stage may be run again.
    public func executeStage(_ params: ExecuteStageParams, timeout: Duration? = nil) async throws(PluginError)
        -> ExecuteStageResult
    {
        do {
            return try await call(PluginMethod.executeStage, params: params,
                                  timeout: timeout ?? configuration.stageTimeout, as: ExecuteStageResult.self)
        } catch where error.code == .remoteError && error.rpcError?.knownCode == .stageFailed {
            return .failure(error.rpcError?.message ?? "the stage failed")
        } catch where error.code == .exited {
            var reason = "plugin \(configuration.name) \(error.message) while running \(params.stage.rawValue)"
            if !error.stderrTail.isEmpty {
                reason += "; last stderr lines:\n" + error.stderrTail.map { "  \($0)" }.joined(separator: "\n")
            }
            return .failure(reason, logs: error.stderrTail.map { LogLine(level: .error, $0) })
        }
    }

    /// Tells the plugin a deployment ended. A plugin that does not know the method (-32601) has nothing
    /// to release, so that answer is a success.
    public func finishDeployment(_ params: FinishDeploymentParams) async throws(PluginError) {
        do {
            _ = try await call(PluginMethod.finishDeployment, params: params, timeout: configuration.callTimeout,
                               as: JSONValue.self)
        } catch where error.code == .remoteError && error.rpcError?.knownCode == .methodNotFound {
            return
        }
    }

    /// Calls any method with JSON params, for methods this host has no typed wrapper for.
    public func call(_ method: String, params: JSONValue = .object([:]), timeout: Duration? = nil) async throws(PluginError)
        -> JSONValue
    {
        try await call(method, params: params, timeout: timeout ?? configuration.callTimeout, as: JSONValue.self)
    }

    // MARK: - Observation

    /// The plugin process's id while one runs.
    public var processID: Int32? {
        if case .running(let running) = phase, running.process.exit == nil { return running.process.pid }
        return nil
    }

    /// The last stderr lines of the current (or last) process, oldest first.
    public var recentStderr: [String] {
        if case .running(let running) = phase { return running.process.stderrTail }
        return previous?.stderrTail ?? []
    }

    /// Failures since the last completed start; the next start waits ``RestartBackoff/delay(afterFailures:)`` of it.
    public var consecutiveFailures: Int { policy.consecutiveFailures }
}
