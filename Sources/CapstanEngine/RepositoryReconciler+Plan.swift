import CapstanConfig
import CapstanCore
import CapstanGit
import Foundation

extension RepositoryReconciler {
    /// Discovers the applications at `head` and records a deployment for each one it touches.
    func plan(head: CommitID, into outcome: inout Outcome) async throws {
        let tree = source.tree(at: head)
        // Only the configs changed since the last planned head are read and decoded again; the rest come
        // from the cache (a commit touching one application of 10,000 decodes one capstan.yaml).
        var cache = discovery?.cache ?? DiscoveryCache()
        var changedSinceLast: [String]?
        let previous = discovery?.at
        if let previous {
            // A previous head no longer in the mirror (a force-push, then gc) means a full discovery, not an error.
            changedSinceLast = try? await source.changedPaths(from: previous, to: head)
        }
        let catalog = try await AppDiscovery.discover(in: tree, cache: &cache, changed: changedSinceLast)
        discovery = (head, cache)
        invalid = [:]
        // Every record is read only on a full discovery or when some config is invalid (found by its path);
        // otherwise only those of the applications decoded now or touched, plus one narrow column for the rest.
        let allRecords = cache.lastWasFull || !catalog.diagnostics.isEmpty
        let decodedNow = cache.lastWasFull ? catalog.apps : catalog.apps.filter { cache.decoded.contains($0.configPath) }
        var records: [String: AppRecord] = [:]
        if allRecords {
            records = Dictionary(try await store.apps().filter { $0.repository == repository.name }.map { ($0.name, $0) },
                                 uniquingKeysWith: { first, _ in first })
        } else {
            for app in decodedNow { records[app.spec.name] = try await store.app(app.spec.name) }
        }
        // Labels can only have changed in the configs decoded now.
        try await recordLabels(decodedNow, records: &records)
        try await markInvalidConfigs(catalog.diagnostics, records: records, outcome: &outcome)
        let deployed: [String: CommitID?] = allRecords ? records.mapValues(\.lastDeployedCommit)
            : try await store.deployedCommits(repository: repository.name)

        // Applications are compared with the commit each last deployed. An application whose base is the same as
        // at the previous plan and that no path changed since then touches keeps that plan's verdict: what differs
        // between its base and this head is what differed between its base and the previous head. The others are
        // diffed, once per base; the previous head's diff is already at hand.
        let candidates: Set<Int>? = if changedSinceLast != nil, verdicts?.at == previous, let matcher = cache.matcher {
            Set(matcher.touched(by: changedSinceLast!).map(\.appIndex))
        } else { nil }
        var touched: [(app: DiscoveredApp, reasons: [String])] = []
        var next: [String: Verdict] = [:]
        var byBase: [CommitID: [Int]] = [:]
        for (index, app) in catalog.apps.enumerated() {
            // Never deployed successfully: compare with the last attempt, so an unrelated commit does not
            // retry a failed first deployment; an application with no attempt at all is deployed now.
            let last = deployed[app.spec.name] ?? nil
            let attempted = last == nil
                ? try await store.deployments(app: app.spec.name, state: nil, limit: 1).first?.commit : nil
            guard let base = last ?? attempted else {
                touched.append((app, ["first deployment"]))
                continue
            }
            if base == head { continue }
            if let candidates, !candidates.contains(index), let verdict = verdicts?.byApp[app.spec.name], verdict.base == base {
                next[app.spec.name] = verdict
                if let reasons = verdict.reasons { touched.append((app, reasons)) }
                continue
            }
            byBase[base, default: []].append(index)
        }
        for (base, indices) in byBase {
            let changed = if base == previous, let changedSinceLast { changedSinceLast }
                else { try await source.changedPaths(from: base, to: head) }
            let apps = indices.map { catalog.apps[$0] }
            var reasons: [Int: [String]] = [:]
            for touch in ChangeMatcher(apps: apps).touched(by: changed) { reasons[touch.appIndex] = touch.paths }
            for (position, app) in apps.enumerated() {
                next[app.spec.name] = Verdict(base: base, reasons: reasons[position])
                if let paths = reasons[position] { touched.append((app, paths)) }
            }
        }
        verdicts = (head, next)
        for (app, reasons) in touched.sorted(by: { $0.app.spec.name < $1.app.spec.name }) {
            let record = allRecords ? records[app.spec.name] : try await store.app(app.spec.name)
            let manifests = try await AppDiscovery.manifests(of: app, in: tree, catalog: catalog)
            guard manifests.diagnostics.isEmpty else {
                try await setStatus(app, record, .invalidConfig, summary: manifests.diagnostics.map(\.description).joined(separator: "\n"))
                outcome.invalid.append(app.spec.name)
                continue
            }
            if let id = try await createDeployment(app, record: record, head: head, reasons: reasons) {
                outcome.created.append(id)
            }
        }
    }

    /// Records a PENDING deployment of `app` at `head`, superseding any that has not started.
    /// Returns nil when one already exists for that commit (a repeated reconcile). A `manual` one (someone
    /// asked) is always recorded, whatever `sync.auto` says.
    func createDeployment(_ app: DiscoveredApp, record: AppRecord?, head: CommitID, reasons: [String],
                          trigger: DeploymentTrigger = .commit) async throws -> DeploymentID?
    {
        let name = app.spec.name
        let recent = try await store.deployments(app: name, state: nil, limit: 20)
        if trigger == .commit, recent.contains(where: { $0.commit == head && $0.trigger == .commit }) { return nil }
        guard app.spec.sync.auto || trigger == .manual else {
            try await setStatus(app, record, .outOfSync, summary: "\(head.short) is not deployed: sync.auto is off")
            return nil
        }
        let at = now()
        var changes: [StoreChange] = []
        var events: [NewEvent] = []
        let id = DeploymentID.random()
        for waiting in recent where waiting.state == .pending || waiting.state == .planned {
            var machine = DeploymentMachine(deployment: waiting, stages: try await store.stages(of: waiting.id), autoRollback: true)
            let t = try machine.handle(.supersede(by: id), at: at)
            changes += t.changes
            events += t.events
        }
        let first = record?.lastDeployedCommit == nil
        let strategy = Planner.strategy(for: app.spec, firstDeployment: first)
        let deployment = Deployment(id: id, app: name, commit: head, previousCommit: record?.lastDeployedCommit,
                                    trigger: trigger, strategy: strategy, createdAt: at)
        let (_, created) = DeploymentMachine.create(deployment, pipeline: Planner.stageSpecs(for: app.spec, strategy: strategy),
                                                    autoRollback: app.spec.rollback.auto)
        changes += created.changes
        events += created.events.map { event in
            var event = event
            event.data["reasons"] = reasons.prefix(Planner.maxListedPaths).joined(separator: ", ")
            return event
        }
        var updated = record ?? AppRecord(name: name, repository: repository.name, configPath: app.configPath, updatedAt: at)
        updated.configPath = app.configPath
        updated.labels = app.spec.labels
        if updated.status != .deploying { events.append(statusEvent(name, from: record?.status, to: .deploying, at: at)) }
        updated.status = .deploying
        updated.summary = "deploying \(head.short)"
        updated.updatedAt = at
        changes.append(.upsertApp(updated))
        try await store.write(changes, events: events)
        return id
    }

    /// An application whose capstan.yaml no longer decodes keeps its last good state live and says why.
    private func markInvalidConfigs(_ diagnostics: [ConfigDiagnostic], records: [String: AppRecord],
                                    outcome: inout Outcome) async throws {
        let byFile = Dictionary(grouping: diagnostics, by: \.file)
        for (file, problems) in byFile.sorted(by: { $0.key < $1.key }) {
            outcome.invalid.append(file)
            guard let record = records.values.first(where: { $0.configPath == file }) else { continue }
            let app = DiscoveredApp(spec: Application(name: record.name, manifests: []), configPath: file)
            try await setStatus(app, record, .invalidConfig, summary: problems.map(\.description).joined(separator: "\n"))
        }
    }

    func setStatus(_ app: DiscoveredApp, _ record: AppRecord?, _ status: SyncStatus, summary: String) async throws {
        if status == .invalidConfig { invalid[app.spec.name] = (app, summary) }
        if record?.status == status, record?.summary == summary { return }
        let at = now()
        var updated = record ?? AppRecord(name: app.spec.name, repository: repository.name, configPath: app.configPath,
                                          updatedAt: at, labels: app.spec.labels)
        let event = statusEvent(app.spec.name, from: record?.status, to: status, at: at, summary: summary)
        updated.status = status
        updated.summary = summary
        updated.updatedAt = at
        try await store.write([.upsertApp(updated)], events: [event])
    }

    /// Keeps each known application's labels as its `capstan.yaml` at the head has them, for notifications
    /// that filter on labels: done for every application at every new head (and so once at each start,
    /// which fills them in for a store written before labels were kept), not only for those deployed now.
    /// No event: labels are not a status.
    private func recordLabels(_ apps: [DiscoveredApp], records: inout [String: AppRecord]) async throws {
        var changes: [StoreChange] = []
        for app in apps where records[app.spec.name].map({ $0.labels != app.spec.labels }) ?? false {
            // Read again just before writing: the runner or drift may have moved the status since `records`.
            guard var record = try await store.app(app.spec.name) else { continue }
            record.labels = app.spec.labels
            records[app.spec.name] = record
            changes.append(.upsertApp(record))
        }
        if !changes.isEmpty { try await store.write(changes, events: []) }
    }

    func statusEvent(_ app: String, from: SyncStatus?, to: SyncStatus, at: Date, summary: String? = nil) -> NewEvent {
        var data = ["to": to.rawValue, "repository": repository.name]
        data["from"] = from?.rawValue
        return NewEvent(kind: .appStatusChanged, at: at, app: app,
                        message: "\(app) is \(to.rawValue)" + (summary.map { ": \($0)" } ?? ""), data: data)
    }
}
