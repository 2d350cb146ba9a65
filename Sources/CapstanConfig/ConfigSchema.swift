import CapstanCore

/// The fields each object of the config accepts — the one list the decoders and the published
/// JSON Schemas (docs/schema/) must agree on; a test checks that they do.
public enum ConfigSchema {
    /// Object name (as in the JSON Schemas' `$defs`) → the fields it accepts.
    public static let objects: [String: [String]] = [
        "Application": application,
        "Trigger": trigger,
        "Sync": sync,
        "Rollback": rollback,
        "Stage": stage,
        "ProcessService": processService,
        "HealthCheck": healthCheck,
        "AnalysisOptions": analysis,
        "Metric": metric,
        "Expected": expected,
        "EffectSize": effectSize,
    ].merging(stageOptions.map { ("StageOptions.\($0.key.rawValue)", $0.value) }) { first, _ in first }

    static let application = [
        "apiVersion", "kind", "name", "labels", "platform", "target", "manifests", "trigger", "sync", "strategy",
        "pipeline", "rollback",
    ]
    static let trigger = ["paths", "ignore"]
    static let sync = ["auto", "selfHeal"]
    static let rollback = ["auto"]
    static let stage = ["stage", "with", "timeout"]
    static let processService = ["apiVersion", "kind", "name", "command", "env", "replicas", "port", "health"]
    static let healthCheck = ["http", "timeout"]
    static let analysis = ["duration", "metrics", "passScore", "marginalScore"]
    static let metric = [
        "name", "provider", "query", "strategy", "interval", "initialDelay", "expected", "failureLimit",
        "inconclusiveLimit", "consecutiveErrorLimit", "minSamples", "onMissingData", "direction", "confidence",
        "tolerance", "effectSize", "critical", "nanStrategy", "group", "weight", "jsonPath", "args",
    ]
    static let expected = ["min", "max"]
    static let effectSize = ["measure", "allowedIncrease", "allowedDecrease", "criticalIncrease", "criticalDecrease"]

    /// The `with:` fields of each stage kind that users may list.
    static let stageOptions: [StageKind: [String]] = [
        .sync: [],
        .canaryRollout: ["replicas"],
        .baselineRollout: ["replicas"],
        .primaryRollout: [],
        .trafficRouting: ["primary", "canary", "baseline"],
        .canaryClean: [],
        .baselineClean: [],
        .wait: ["duration"],
        .waitApproval: ["approvers", "minApprovals"],
        .scriptRun: ["run", "env", "timeout"],
        .analysis: analysis,
    ]

    /// The `apiVersion` every document declares.
    public static let apiVersion = "capstan/v1"
}
