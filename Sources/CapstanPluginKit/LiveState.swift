public import CapstanCore

/// `liveState` result: what actually runs for one application on the target, in manifest form.
public struct LiveState: Sendable, Hashable, Codable {
    public var app: String
    /// Empty when nothing of the application runs.
    public var resources: [LiveResource]

    public init(app: String, resources: [LiveResource] = []) {
        self.app = app
        self.resources = resources
    }

    /// The worst health among the resources; `.missing` when there are none.
    public var health: ResourceHealth {
        resources.map(\.health).max() ?? .missing
    }
}

/// Which copy of an application a resource belongs to during a progressive rollout.
public enum Variant: String, Sendable, Hashable, Codable, CaseIterable {
    case primary
    case canary
    case baseline
}

/// How a live resource is doing. Ordered from best to worst, so `max()` is the overall health.
public enum ResourceHealth: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Running as desired, every replica ready.
    case healthy
    /// On its way: replicas starting, a rollout in progress.
    case progressing
    /// Running but not as desired: replicas crashing or not ready in time.
    case degraded
    /// Declared in Git but absent on the target.
    case missing

    public static func < (lhs: ResourceHealth, rhs: ResourceHealth) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One live resource (a ProcessService's variant, a Kubernetes Deployment) and its health.
public struct LiveResource: Sendable, Hashable, Codable {
    /// The manifest kind it corresponds to (`ProcessService`).
    public var kind: String
    /// The manifest's `name`.
    public var name: String
    public var variant: Variant
    /// The commit this resource was deployed from; nil when the plugin cannot tell.
    public var commit: CommitID?
    public var replicas: Int
    public var readyReplicas: Int
    /// Ports it serves on (for the process platform: the instances' own ports).
    public var ports: [Int]
    public var health: ResourceHealth
    /// Why it has that health, for people ("2 of 3 ready; instance 3 exited with status 1").
    public var details: String?
    /// The live object in the same shape as its desired manifest, for the diff; nil when unknown.
    public var manifest: JSONValue?

    public init(kind: String, name: String, variant: Variant = .primary, commit: CommitID? = nil, replicas: Int,
                readyReplicas: Int, ports: [Int] = [], health: ResourceHealth, details: String? = nil,
                manifest: JSONValue? = nil) {
        self.kind = kind
        self.name = name
        self.variant = variant
        self.commit = commit
        self.replicas = replicas
        self.readyReplicas = readyReplicas
        self.ports = ports
        self.health = health
        self.details = details
        self.manifest = manifest
    }

    /// `variant` (default `primary`), `ports` (default `[]`) and the optional members may be left out.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(String.self, forKey: .kind)
        name = try container.decode(String.self, forKey: .name)
        variant = try container.decodeIfPresent(Variant.self, forKey: .variant) ?? .primary
        commit = try container.decodeIfPresent(CommitID.self, forKey: .commit)
        replicas = try container.decode(Int.self, forKey: .replicas)
        readyReplicas = try container.decode(Int.self, forKey: .readyReplicas)
        ports = try container.decodeIfPresent([Int].self, forKey: .ports) ?? []
        health = try container.decode(ResourceHealth.self, forKey: .health)
        details = try container.decodeIfPresent(String.self, forKey: .details)
        manifest = try container.decodeIfPresent(JSONValue.self, forKey: .manifest)
    }

    private enum CodingKeys: String, CodingKey {
        case kind, name, variant, commit, replicas, readyReplicas, ports, health, details, manifest
    }
}
