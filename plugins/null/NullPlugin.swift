import CapstanCore
import CapstanPluginKit

/// A platform that does nothing: every stage succeeds at once, with no log, and nothing ever runs.
/// `capstan-bench` measures the controller's own overhead per stage against it; it is also the smallest
/// complete plugin.
struct NullPlugin: PlatformPlugin {
    static let version = "1.0.0"

    func initialize(_ params: InitializeParams) async throws {}

    func capabilities() async throws -> Capabilities {
        Capabilities(stages: StageKind.allCases.filter(\.runsOnPlatform), liveState: true)
    }

    func liveState(_ params: LiveStateParams) async throws -> LiveState {
        LiveState(app: params.app)
    }

    func executeStage(_ params: ExecuteStageParams, log: StageLogger) async throws -> ExecuteStageResult {
        ExecuteStageResult(status: .success)
    }
}
