public import CapstanCore
public import CapstanPluginKit

/// Records the log lines plugins send while a stage runs as `stage.log` events, in the order they
/// arrived. The plugin host calls the sink synchronously from its reader thread, so lines are queued
/// here and written by ``run()`` — in batches, one transaction each.
public final class StageLogRecorder: PluginLogSink {
    private let store: any DeploymentStore
    private let forward: @Sendable (String, String) -> Void
    private let stream: AsyncStream<StageLogParams>
    private let continuation: AsyncStream<StageLogParams>.Continuation

    /// `forward` receives the plugins' stderr lines (plugin name, line) for the server log.
    public init(store: any DeploymentStore, forward: @escaping @Sendable (String, String) -> Void) {
        self.store = store
        self.forward = forward
        (stream, continuation) = AsyncStream.makeStream(of: StageLogParams.self, bufferingPolicy: .bufferingNewest(100_000))
    }

    public func log(plugin: String, line: String) { forward(plugin, line) }

    public func stageLog(plugin: String, params: StageLogParams) { continuation.yield(params) }

    /// Writes queued lines until ``finish()``, then what is left.
    public func run() async {
        var batch: [NewEvent] = []
        for await params in stream {
            batch.append(await event(params))
            await flush(&batch)
        }
        await flush(&batch)
    }

    /// Stops accepting lines; `run()` returns once the queue is written.
    public func finish() { continuation.finish() }

    private func event(_ params: StageLogParams) async -> NewEvent {
        let app = (try? await store.deployment(params.deploymentId))?.app
        return NewEvent(kind: .stageLog, at: params.line.time, app: app, deployment: params.deploymentId,
                        stageIndex: params.stageIndex, message: params.line.message,
                        data: ["level": params.line.level.rawValue])
    }

    private func flush(_ batch: inout [NewEvent]) async {
        guard !batch.isEmpty else { return }
        if (try? await store.write([], events: batch)) != nil { batch.removeAll() } else if batch.count > 10_000 {
            batch.removeFirst(batch.count - 10_000)  // the store is failing: keep the newest lines only
        }
    }
}
