/// Where the host sends what plugins log: their stderr, and the `log` notifications of running stages.
///
/// Called on the plugin's reader threads, one line at a time and in order per plugin: hand the line
/// on (to swift-log, to the event store's queue) and return; never block.
public protocol PluginLogSink: Sendable {
    /// One line the plugin wrote to stderr (its own log), under the plugin's name.
    func log(plugin: String, line: String)
    /// One `log` notification: a line of the stage `params.deploymentId` / `params.stageIndex`.
    func stageLog(plugin: String, params: StageLogParams)
}

/// A sink made of two closures, for call sites that don't want a type.
public struct ClosurePluginLogSink: PluginLogSink {
    private let onLog: @Sendable (_ plugin: String, _ line: String) -> Void
    private let onStageLog: @Sendable (_ plugin: String, _ params: StageLogParams) -> Void

    public init(
        log: @escaping @Sendable (_ plugin: String, _ line: String) -> Void,
        stageLog: @escaping @Sendable (_ plugin: String, _ params: StageLogParams) -> Void = { _, _ in }
    ) {
        self.onLog = log
        self.onStageLog = stageLog
    }

    public func log(plugin: String, line: String) { onLog(plugin, line) }
    public func stageLog(plugin: String, params: StageLogParams) { onStageLog(plugin, params) }
}

/// Drops everything.
public struct DiscardingPluginLogSink: PluginLogSink {
    public init() {}
    public func log(plugin: String, line: String) {}
    public func stageLog(plugin: String, params: StageLogParams) {}
}
