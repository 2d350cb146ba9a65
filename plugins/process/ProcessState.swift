import CapstanCore
import CapstanPluginKit
import Foundation

/// Everything the plugin has started, persisted in `<dataDir>/state.json` so that a restarted
/// plugin finds what runs. Written atomically (temporary file renamed over the old one).
struct ProcessState: Sendable, Hashable, Codable {
    /// The HAProxy master process and its configuration; nil before the first stage.
    var haproxy: HAProxyRecord?
    /// Services by `app/name`.
    var services: [String: ServiceRecord] = [:]
    /// Every instance started and not yet stopped, dead or alive.
    var instances: [InstanceRecord] = []
    /// Completed stages by `deploymentId#stageIndex`, with the reason they answered.
    var completedStages: [String: String] = [:]

    static func serviceKey(app: String, service: String) -> String { "\(app)/\(service)" }

    func instances(of service: ServiceRecord) -> [InstanceRecord] {
        instances.filter { $0.app == service.app && $0.service == service.name }
    }

    /// Services of `app`, by name.
    func services(of app: String) -> [ServiceRecord] {
        services.values.filter { $0.app == app }.sorted { $0.name < $1.name }
    }
}

/// The HAProxy master process the plugin started (master-worker mode: its pid survives reloads).
struct HAProxyRecord: Sendable, Hashable, Codable {
    var master: ProcessIdentity
    var configPath: String
    /// The configuration with weights left out, as last loaded: a reload is needed when it changes.
    var loadedTopology: String
}

/// One ProcessService of one application: its frontend and the variants it runs.
struct ServiceRecord: Sendable, Hashable, Codable {
    var app: String
    var name: String
    /// HAProxy's frontend port (the manifest's `port`).
    var port: Int
    /// HAProxy checks servers with `GET healthPath` when set, by connecting otherwise.
    var healthPath: String?
    /// What each variant should run, by variant name (`primary`, `canary`, `baseline`).
    var variants: [String: VariantRecord] = [:]
    /// The traffic split TRAFFIC_ROUTING asked for; nil means all of it to primary. Kept here (not only as
    /// HAProxy weights) so that weights can be recomputed whenever a variant's instances change.
    var traffic: TrafficShares?
    /// Set by PRIMARY_ROLLOUT when the new commit no longer declares this service: it keeps serving
    /// until that deployment ends (a rollback needs it), then it is removed.
    var retiredBy: String?

    subscript(variant: Variant) -> VariantRecord? {
        get { variants[variant.rawValue] }
        set { variants[variant.rawValue] = newValue }
    }

    /// The split in force: ``traffic``, or all of it to primary.
    var shares: TrafficShares { traffic ?? .allPrimary }

    var backendName: String { "be_\(HAProxyConfig.sanitize(app))_\(HAProxyConfig.sanitize(name))" }
    var frontendName: String { "fe_\(HAProxyConfig.sanitize(app))_\(HAProxyConfig.sanitize(name))" }
}

/// The desired shape of one variant: which commit, with which spec.
struct VariantRecord: Sendable, Hashable, Codable {
    var commit: CommitID
    var spec: ServiceSpec
}

/// One running (or dead) instance, with everything needed to find and stop it after a restart.
struct InstanceRecord: Sendable, Hashable, Codable {
    var app: String
    var service: String
    var variant: Variant
    var commit: CommitID
    var port: Int
    var process: ProcessIdentity
    /// HAProxy weight (0 to 256); nil while the instance is not yet in HAProxy's configuration.
    var weight: Int?
    var logPath: String
    /// The deployment whose PRIMARY_ROLLOUT replaced this primary instance: it stays alive at weight 0 so
    /// that a rollback is one weight switch, until that deployment ends (`finishDeployment`).
    var keptBy: String?

    /// The server's name in its HAProxy backend.
    var serverName: String { "\(variant.rawValue)-\(commit.short)-\(port)" }
}

/// Loads and saves ``ProcessState`` in the data directory.
struct StateStore: Sendable {
    let path: String

    /// The folder the state file is in: the plugin's data directory.
    var dataDirectory: String { (path as NSString).deletingLastPathComponent }

    init(dataDirectory: String) {
        path = (dataDirectory as NSString).appendingPathComponent("state.json")
    }

    /// The saved state; an empty one when there is no file yet.
    func load() throws -> ProcessState {
        guard FileManager.default.fileExists(atPath: path) else { return ProcessState() }
        return try JSONDecoder().decode(ProcessState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Writes a temporary file and renames it over the old one: a crash never leaves half a file.
    func save(_ state: ProcessState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(state).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
