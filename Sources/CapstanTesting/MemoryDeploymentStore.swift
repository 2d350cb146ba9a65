public import CapstanCore
import Foundation

/// A ``DeploymentStore`` in memory, with the same semantics as the SQLite store: all-or-nothing writes,
/// a gap-free global event sequence, the same orderings and errors, and dates kept to the microsecond.
/// The shared store tests run against both.
public actor MemoryDeploymentStore: DeploymentStore {
    /// The records; a write changes a copy and keeps it only when every change succeeded.
    private struct Records {
        var deployments: [DeploymentID: Deployment] = [:]
        var stages: [DeploymentID: [Int: StageRecord]] = [:]
        var approvals: [DeploymentID: [Approval]] = [:]
        var apps: [String: AppRecord] = [:]
    }

    private var records = Records()
    /// `events[i].sequence == i + 1`, always.
    private var events: [Event] = []

    /// An empty store.
    public init() {}

    /// Applies `changes` to a copy of the records and keeps it only if all succeed, then numbers `events`.
    @discardableResult
    public func write(_ changes: [StoreChange], events newEvents: [NewEvent]) throws -> [Event] {
        var next = records
        for change in changes {
            try Self.apply(change, to: &next)
        }
        records = next
        let first = Int64(events.count) + 1
        let stored = newEvents.enumerated().map { offset, event in
            var stored = Event(sequence: first + Int64(offset), event)
            stored.at = Self.rounded(stored.at)
            return stored
        }
        events.append(contentsOf: stored)
        return stored
    }

    // The reads are declared `throws` like the port, although they never throw, so that code holding a
    // concrete `MemoryDeploymentStore` is written exactly as code holding any other store.
    /// The deployment with `id`, or nil.
    public func deployment(_ id: DeploymentID) throws -> Deployment? {
        records.deployments[id]
    }

    /// Newest first (`createdAt` descending), ties broken by id ascending; nil filters match everything.
    public func deployments(app: String?, state: DeploymentState?, limit: Int) throws -> [Deployment] {
        guard limit > 0 else { return [] }
        return records.deployments.values
            .filter { (app == nil || $0.app == app) && (state == nil || $0.state == state) }
            .sorted {
                $0.createdAt != $1.createdAt
                    ? $0.createdAt > $1.createdAt : $0.id.rawValue.utf8.lexicographicallyPrecedes($1.id.rawValue.utf8)
            }
            .prefix(limit).map { $0 }
    }

    /// Ordered by index.
    public func stages(of deployment: DeploymentID) throws -> [StageRecord] {
        (records.stages[deployment] ?? [:]).values.sorted { $0.index < $1.index }
    }

    /// Ordered by stage index, then time, then approver.
    public func approvals(of deployment: DeploymentID) throws -> [Approval] {
        (records.approvals[deployment] ?? []).sorted {
            ($0.stageIndex, $0.at) != ($1.stageIndex, $1.at)
                ? ($0.stageIndex, $0.at) < ($1.stageIndex, $1.at) : $0.approver.utf8.lexicographicallyPrecedes($1.approver.utf8)
        }
    }

    /// The application named `name`, or nil.
    public func app(_ name: String) throws -> AppRecord? {
        records.apps[name]
    }

    /// Sorted by name (byte order of the UTF-8 name, as SQLite sorts).
    public func apps() throws -> [AppRecord] {
        records.apps.values.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
    }

    /// Events with a sequence above `after`, oldest first, at most `limit`.
    public func events(after sequence: Int64, limit: Int) throws -> [Event] {
        guard limit > 0 else { return [] }
        let start = Int(clamping: max(sequence, 0))
        guard start < events.count else { return [] }
        return Array(events[start..<(start + min(limit, events.count - start))])
    }

    /// One deployment's events above `after`, oldest first, at most `limit`, narrowed to a stage and a kind
    /// when given.
    public func events(of deployment: DeploymentID, stage: Int?, kind: EventKind?, after sequence: Int64, limit: Int)
        throws -> [Event] {
        guard limit > 0 else { return [] }
        let start = Int(clamping: max(sequence, 0))
        guard start < events.count else { return [] }
        return Array(events[start...].lazy.filter {
            $0.deployment == deployment && (stage == nil || $0.stageIndex == stage) && (kind == nil || $0.kind == kind)
        }.prefix(limit))
    }

    /// The highest sequence so far; 0 when there is none.
    public func lastSequence() throws -> Int64 {
        Int64(events.count)
    }

    // MARK: Changes

    private static func apply(_ change: StoreChange, to records: inout Records) throws {
        switch change {
        case .insertDeployment(let deployment, let stages):
            guard records.deployments[deployment.id] == nil else {
                throw StoreError.conflict("deployment \(deployment.id) already exists")
            }
            var byIndex: [Int: StageRecord] = [:]
            for stage in stages {
                guard stage.deployment == deployment.id else {
                    throw StoreError.conflict("stage \(stage.index) names deployment \(stage.deployment), not \(deployment.id)")
                }
                guard byIndex.updateValue(rounded(stage), forKey: stage.index) == nil else {
                    throw StoreError.conflict("deployment \(deployment.id) has two stages at index \(stage.index)")
                }
            }
            records.deployments[deployment.id] = rounded(deployment)
            records.stages[deployment.id] = byIndex
        case .updateDeployment(let deployment, let expecting):
            guard let current = records.deployments[deployment.id] else {
                throw StoreError.notFound("deployment \(deployment.id)")
            }
            if let expecting, current.state != expecting {
                throw StoreError.conflict(
                    "deployment \(deployment.id) is \(current.state.rawValue), not \(expecting.rawValue) as expected")
            }
            records.deployments[deployment.id] = rounded(deployment)
        case .updateStage(let stage):
            guard let current = records.stages[stage.deployment]?[stage.index] else {
                throw StoreError.notFound("stage \(stage.index) of deployment \(stage.deployment)")
            }
            var updated = rounded(stage)
            updated.options = current.options  // as inserted, like the SQLite store
            records.stages[stage.deployment]?[stage.index] = updated
        case .upsertApp(let app):
            var app = app
            app.updatedAt = rounded(app.updatedAt)
            records.apps[app.name] = app
        case .replaceStages(let id, let stages):
            guard records.deployments[id] != nil else { throw StoreError.notFound("deployment \(id)") }
            var byIndex: [Int: StageRecord] = [:]
            for stage in stages {
                guard stage.deployment == id else {
                    throw StoreError.conflict("stage \(stage.index) names deployment \(stage.deployment), not \(id)")
                }
                guard byIndex.updateValue(rounded(stage), forKey: stage.index) == nil else {
                    throw StoreError.conflict("deployment \(id) has two stages at index \(stage.index)")
                }
            }
            records.stages[id] = byIndex
        case .insertApproval(let approval):
            guard records.stages[approval.deployment]?[approval.stageIndex] != nil else {
                throw StoreError.notFound("stage \(approval.stageIndex) of deployment \(approval.deployment)")
            }
            let existing = records.approvals[approval.deployment] ?? []
            guard !existing.contains(where: { $0.stageIndex == approval.stageIndex && $0.approver == approval.approver }) else {
                throw StoreError.conflict(
                    "\(approval.approver) already approved stage \(approval.stageIndex) of deployment \(approval.deployment)")
            }
            var approval = approval
            approval.at = rounded(approval.at)
            records.approvals[approval.deployment, default: []].append(approval)
        }
    }

    // MARK: Dates as the SQLite store keeps them

    /// Whole microseconds since 1970, as `CapstanStore.StoreDate` stores them (kept in step by hand:
    /// CapstanTesting does not depend on CapstanStore).
    static func rounded(_ date: Date) -> Date {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        guard value.isFinite else { return Date(timeIntervalSince1970: 0) }
        let micros = value >= 9.2e18 ? Int64.max : value <= -9.2e18 ? Int64.min : Int64(value)
        return Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    private static func rounded(_ deployment: Deployment) -> Deployment {
        var deployment = deployment
        deployment.createdAt = rounded(deployment.createdAt)
        deployment.updatedAt = rounded(deployment.updatedAt)
        return deployment
    }

    private static func rounded(_ stage: StageRecord) -> StageRecord {
        var stage = stage
        stage.startedAt = stage.startedAt.map(rounded)
        stage.finishedAt = stage.finishedAt.map(rounded)
        return stage
    }
}
