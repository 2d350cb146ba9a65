public import CapstanCore
import CapstanConfig
public import CapstanPluginKit
public import Foundation

/// What the drift detector needs from a platform: what runs for an application.
public protocol LiveStateSource: Sendable {
    func liveState(app: String, deployedCommit: CommitID?) async throws(PluginError) -> LiveState
}

extension PluginHost: LiveStateSource {}

/// Compares each deployed application with what runs, records SYNCED / OUT_OF_SYNC / UNKNOWN with the
/// diff, and re-syncs an application with `sync.selfHeal` (at most once per window).
public actor DriftDetector {
    let store: any DeploymentStore
    let readers: [String: GitContextLoader]
    let platforms: [String: any LiveStateSource]
    let selfHealWindow: TimeInterval
    let now: @Sendable () -> Date
    private var lastHeal: [String: Date] = [:]

    /// `readers` by repository name, `platforms` by target name.
    public init(store: any DeploymentStore, readers: [String: GitContextLoader], platforms: [String: any LiveStateSource],
                selfHealWindow: Duration = .seconds(60), now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.readers = readers
        self.platforms = platforms
        self.selfHealWindow = Double(selfHealWindow.components.seconds)
        self.now = now
    }

    /// One pass over every application; returns the status each one has now.
    @discardableResult
    public func check() async throws -> [String: SyncStatus] {
        var active: Set<String> = []
        for state in [DeploymentState.pending, .planned, .running, .rollingBack] {
            active.formUnion(try await store.deployments(app: nil, state: state, limit: 10_000).map(\.app))
        }
        var statuses: [String: SyncStatus] = [:]
        for record in try await store.apps() {
            statuses[record.name] = try await check(record, deploying: active.contains(record.name))
        }
        return statuses
    }

    private func check(_ record: AppRecord, deploying: Bool) async throws -> SyncStatus {
        if record.status == .invalidConfig { return .invalidConfig }
        if deploying { return try await update(record, .deploying, diff: [], summary: record.summary ?? "deploying") }
        guard let commit = record.lastDeployedCommit, let reader = readers[record.repository] else { return record.status }
        let app: DiscoveredApp
        let manifests: [Manifest]
        do {
            let (found, texts) = try await reader.desired(configPath: record.configPath, at: commit)
            app = found
            manifests = texts.sorted { $0.key < $1.key }.compactMap {
                ManifestDecoder.decode(Data($0.value.utf8), file: $0.key).validValue
            }
        } catch {
            return try await update(record, .unknown, diff: [], summary: "cannot read the desired state: \(error)")
        }
        guard let platform = platforms[app.spec.target] else {
            return try await update(record, .unknown, diff: [], summary: "no deploy target named \"\(app.spec.target)\"")
        }
        let live: LiveState
        do {
            live = try await platform.liveState(app: record.name, deployedCommit: commit)
        } catch {
            return try await update(record, .unknown, diff: [], summary: "the \(app.spec.target) target did not answer: \(error)")
        }
        let verdict = DriftJudge.judge(desired: manifests, commit: commit, live: live)
        let status = try await update(record, verdict.status, diff: verdict.diff, summary: verdict.summary)
        if status == .outOfSync, app.spec.sync.selfHeal { try await heal(record, commit: commit, diff: verdict.diff) }
        return status
    }

    /// Records a quick-sync deployment of the deployed commit, unless one was made within the window.
    private func heal(_ record: AppRecord, commit: CommitID, diff: [String]) async throws {
        let at = now()
        if let last = lastHeal[record.name], at.timeIntervalSince(last) < selfHealWindow { return }
        lastHeal[record.name] = at
        let deployment = Deployment(id: .random(), app: record.name, commit: commit, previousCommit: commit,
                                    trigger: .selfHeal, strategy: .quick, createdAt: at)
        var (_, t) = DeploymentMachine.create(deployment, stages: [.sync], autoRollback: false)
        t.events[0].data["reasons"] = diff.joined(separator: "; ")
        try await store.write(t.changes, events: t.events)
    }

    private func update(_ record: AppRecord, _ status: SyncStatus, diff: [String], summary: String) async throws -> SyncStatus {
        let text = diff.isEmpty ? nil : diff.joined(separator: "\n")
        guard record.status != status || record.diff != text || record.summary != summary else { return status }
        // The reconciler may have judged the config invalid since this pass read the record: its word wins.
        if let current = try await store.app(record.name), current.updatedAt != record.updatedAt { return current.status }
        var updated = record
        updated.status = status
        updated.diff = text
        updated.summary = summary
        updated.updatedAt = now()
        var events: [NewEvent] = []
        if record.status != status {
            events.append(NewEvent(kind: .appStatusChanged, at: updated.updatedAt, app: record.name,
                                   message: "\(record.name) is \(status.rawValue): \(text ?? summary)",
                                   data: ["from": record.status.rawValue, "to": status.rawValue]))
        }
        try await store.write([.upsertApp(updated)], events: events)
        return status
    }
}
