/// One application as declared by a `capstan.yaml`: what to deploy, where, when and how.
public struct Application: Sendable, Hashable {
    /// Unique within a repository; names events, deployments and API paths.
    public var name: String
    public var labels: [String: String]
    /// The plugin that deploys it (`process`, later `kubernetes`, `script`).
    public var platform: String
    /// A deploy target named in the server config.
    public var target: String
    /// Desired-state files, relative to the application's folder.
    public var manifests: [String]
    public var trigger: Trigger
    public var sync: SyncPolicy
    public var strategy: Strategy
    public var pipeline: [StageSpec]
    public var rollback: RollbackPolicy

    public init(
        name: String, labels: [String: String] = [:], platform: String = "process", target: String = "local",
        manifests: [String], trigger: Trigger = .init(), sync: SyncPolicy = .init(), strategy: Strategy = .auto,
        pipeline: [StageSpec] = [], rollback: RollbackPolicy = .init()
    ) {
        self.name = name
        self.labels = labels
        self.platform = platform
        self.target = target
        self.manifests = manifests
        self.trigger = trigger
        self.sync = sync
        self.strategy = strategy
        self.pipeline = pipeline
        self.rollback = rollback
    }
}

/// Which changes, besides those under the application's folder, deploy it — and which never do.
public struct Trigger: Sendable, Hashable {
    /// Extra repository-relative globs whose changes touch the application.
    public var paths: [Glob]
    /// Repository-relative globs: a commit whose every relevant path matches one of these does not deploy.
    public var ignore: [Glob]

    public init(paths: [Glob] = [], ignore: [Glob] = []) {
        self.paths = paths
        self.ignore = ignore
    }
}

/// When Capstan deploys without being asked.
public struct SyncPolicy: Sendable, Hashable {
    /// Deploy every new commit on the watched branch.
    public var auto: Bool
    /// Re-apply the desired state when the live state drifts from Git.
    public var selfHeal: Bool

    public init(auto: Bool = true, selfHeal: Bool = false) {
        self.auto = auto
        self.selfHeal = selfHeal
    }
}

/// How a change is rolled out.
public enum Strategy: String, Sendable, Hashable, CaseIterable {
    /// Quick sync for a first deployment or an application without a pipeline; the pipeline otherwise.
    case auto
    /// Always a quick sync, even when a pipeline is declared.
    case quick
    /// Always the pipeline, even for a first deployment.
    case pipeline
}

/// What happens when a stage fails.
public struct RollbackPolicy: Sendable, Hashable {
    /// Run a ROLLBACK stage automatically when a stage fails.
    public var auto: Bool

    public init(auto: Bool = true) { self.auto = auto }
}

/// An application found in a repository: its spec and where its config lives.
public struct DiscoveredApp: Sendable, Hashable {
    public var spec: Application
    /// Repository-relative path of its `capstan.yaml`.
    public var configPath: String
    /// Repository-relative folder holding the config; `""` for the repository root.
    public var folder: String

    public init(spec: Application, configPath: String) {
        self.spec = spec
        self.configPath = configPath
        self.folder = RepoPath.parent(of: configPath)
    }
}
