/// The rollout a planned application gets.
public enum PlannedStrategy: String, Sendable, Hashable, Codable {
    case quick, pipeline
}

/// One application in a plan: why it deploys and how.
public struct PlanEntry: Sendable, Hashable {
    public var app: DiscoveredApp
    /// Human-readable reasons, most specific first.
    public var reasons: [String]
    public var strategy: PlannedStrategy
    /// The stages it would run, in order.
    public var stages: [StageKind]
}

/// Turns applications and a change into a plan. Pure: callers bring the paths and the history.
public enum Planner {
    /// At most this many changed paths are listed per application; the rest are counted.
    public static let maxListedPaths = 10

    /// The strategy for `app`; `firstDeployment` is true when it has never been deployed.
    public static func strategy(for app: Application, firstDeployment: Bool) -> PlannedStrategy {
        switch app.strategy {
        case .quick: .quick
        case .pipeline: .pipeline
        case .auto: firstDeployment || app.pipeline.isEmpty ? .quick : .pipeline
        }
    }

    /// The stages a deployment of `app` runs with `strategy`.
    public static func stages(for app: Application, strategy: PlannedStrategy) -> [StageKind] {
        stageSpecs(for: app, strategy: strategy).map(\.kind)
    }

    /// The stages a deployment of `app` runs with `strategy`, with their options (for
    /// ``DeploymentMachine/create(_:pipeline:autoRollback:)``).
    public static func stageSpecs(for app: Application, strategy: PlannedStrategy) -> [StageSpec] {
        switch strategy {
        case .quick: [StageSpec(.sync)]
        case .pipeline: app.pipeline
        }
    }

    /// Plans every application, as for a first look at a repository (no base commit).
    public static func planAll(_ apps: [DiscoveredApp]) -> [PlanEntry] {
        apps.map { app in
            entry(app, reasons: ["no base revision: every application is planned"], firstDeployment: true)
        }.sorted { $0.app.spec.name < $1.app.spec.name }
    }

    /// Plans the applications a change touches. `isNew(app)` says whether it had no config at the base commit.
    public static func plan(
        _ apps: [DiscoveredApp], changedPaths: [String], isNew: (DiscoveredApp) -> Bool
    ) -> [PlanEntry] {
        ChangeMatcher(apps: apps).touched(by: changedPaths).map { touch in
            let app = apps[touch.appIndex]
            let new = isNew(app)
            return entry(app, reasons: reasons(for: touch, app: app, isNew: new), firstDeployment: new)
        }.sorted { $0.app.spec.name < $1.app.spec.name }
    }

    private static func entry(_ app: DiscoveredApp, reasons: [String], firstDeployment: Bool) -> PlanEntry {
        let strategy = strategy(for: app.spec, firstDeployment: firstDeployment)
        return PlanEntry(app: app, reasons: reasons, strategy: strategy, stages: stages(for: app.spec, strategy: strategy))
    }

    static func reasons(for touch: Touch, app: DiscoveredApp, isNew: Bool) -> [String] {
        var out: [String] = []
        if isNew { out.append("new application: \(app.configPath) added") }
        else if touch.configChanged { out.append("application config \(app.configPath) changed") }
        let others = touch.paths.filter { $0 != app.configPath }
        for path in others.prefix(maxListedPaths) {
            if RepoPath.isInside(path, folder: app.folder) {
                out.append("\(path) changed")
            } else if let glob = app.spec.trigger.paths.first(where: { $0.matches(path) }) {
                out.append("\(path) changed (trigger path \(glob))")
            }
        }
        if others.count > maxListedPaths { out.append("and \(others.count - maxListedPaths) more changed paths") }
        if !touch.ignored.isEmpty {
            out.append("ignored by trigger.ignore: \(touch.ignored.prefix(maxListedPaths).joined(separator: ", "))"
                + (touch.ignored.count > maxListedPaths ? " and \(touch.ignored.count - maxListedPaths) more" : ""))
        }
        return out
    }
}
