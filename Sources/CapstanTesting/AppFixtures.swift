public import CapstanCore

/// Builds applications for tests without going through YAML.
public enum AppFixtures {
    /// An application named `name` whose capstan.yaml sits in `folder` (`""` for the root).
    public static func app(
        _ name: String, folder: String, paths: [String] = [], ignore: [String] = [],
        strategy: Strategy = .auto, pipeline: [StageSpec] = []
    ) throws -> DiscoveredApp {
        let spec = Application(
            name: name, manifests: ["service.yaml"],
            trigger: Trigger(paths: try paths.map { try Glob($0) }, ignore: try ignore.map { try Glob($0) }),
            strategy: strategy, pipeline: pipeline)
        return DiscoveredApp(spec: spec, configPath: folder.isEmpty ? "capstan.yaml" : "\(folder)/capstan.yaml")
    }

    /// A short canary pipeline.
    public static let canaryPipeline: [StageSpec] = [
        StageSpec(.canaryRollout, options: .rollout(replicas: .count(1))),
        StageSpec(.trafficRouting, options: .trafficRouting(TrafficWeights(primary: 90, canary: 10))),
        StageSpec(.primaryRollout),
        StageSpec(.canaryClean),
    ]
}
