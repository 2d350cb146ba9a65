public import CapstanCore
public import CapstanPluginKit

/// Compares what Git wants with what runs, as a pure function over values (no plugin, no clock).
public enum DriftJudge {
    /// The verdict: SYNCED when `diff` is empty, OUT_OF_SYNC otherwise.
    public struct Verdict: Sendable, Hashable {
        public var status: SyncStatus
        /// One line per difference, as people read them.
        public var diff: [String]
        /// One line: what runs.
        public var summary: String
    }

    /// `desired` are the application's manifests at the commit it should run (`commit`).
    public static func judge(desired: [Manifest], commit: CommitID, live: LiveState) -> Verdict {
        var diff: [String] = []
        var wanted: Set<String> = []
        for manifest in desired {
            switch manifest {
            case .processService(let service):
                wanted.insert("ProcessService/\(service.name)")
                diff += compare(service, commit: commit, live: live.resources.filter {
                    $0.kind == "ProcessService" && $0.name == service.name && $0.variant == .primary
                })
            }
        }
        for resource in live.resources where !wanted.contains("\(resource.kind)/\(resource.name)") {
            diff.append("\(resource.kind)/\(resource.name): runs but is not in Git")
        }
        for resource in live.resources where resource.variant != .primary && wanted.contains("\(resource.kind)/\(resource.name)") {
            diff.append("\(resource.kind)/\(resource.name): a \(resource.variant.rawValue) variant is still running")
        }
        let running = live.resources.filter { $0.variant == .primary }
            .map { "\($0.kind)/\($0.name) \($0.readyReplicas)/\($0.replicas) ready at \($0.commit?.short ?? "?")" }
        return Verdict(status: diff.isEmpty ? .synced : .outOfSync, diff: diff,
                       summary: running.isEmpty ? "nothing runs" : running.joined(separator: ", "))
    }

    private static func compare(_ service: ProcessService, commit: CommitID, live: [LiveResource]) -> [String] {
        let name = "ProcessService/\(service.name)"
        guard let resource = live.first else {
            return ["\(name): not running (want \(service.replicas) at \(commit.short))"]
        }
        var diff: [String] = []
        if resource.commit != commit {
            diff.append("\(name): runs \(resource.commit?.short ?? "an unknown commit"), want \(commit.short)")
        }
        if resource.replicas != service.replicas {
            diff.append("\(name): \(resource.replicas) replicas, want \(service.replicas)")
        }
        if resource.readyReplicas < resource.replicas {
            diff.append("\(name): \(resource.readyReplicas) of \(resource.replicas) replicas ready")
        }
        return diff
    }
}
