public import CapstanCore
public import CapstanPluginKit

/// What the executor needs from a platform: run one stage. `PluginHost` is one; tests of the
/// executor's own logic use a recording platform, and end-to-end tests the real plugins.
public protocol StagePlatform: Sendable {
    func executeStage(_ params: ExecuteStageParams, timeout: Duration?) async throws(PluginError) -> ExecuteStageResult
    /// The deployment ended: the platform releases what it kept for a quick rollback.
    func finishDeployment(_ params: FinishDeploymentParams) async throws(PluginError)
}

extension PluginHost: StagePlatform {}

/// Everything the executor needs about a deployment's application at its commit, read from Git.
public struct DeploymentContext: Sendable {
    public var app: DiscoveredApp
    /// The application's folder checked out at the deployment's commit.
    public var appDirectory: String
    /// The manifests as raw text, by path relative to the application's folder.
    public var manifests: [String: String]

    public init(app: DiscoveredApp, appDirectory: String, manifests: [String: String]) {
        self.app = app
        self.appDirectory = appDirectory
        self.manifests = manifests
    }
}

/// Loads a deployment's context. Git is the source of truth, so after a restart the same commit
/// gives the same pipeline and options: nothing about a stage needs to be stored twice.
public protocol DeploymentContextLoader: Sendable {
    func context(for deployment: Deployment) async throws -> DeploymentContext
}
