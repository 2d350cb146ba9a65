import CapstanCore
import Foundation
import GRDB

/// Rows ↔ Core values. Columns are read by position, in the order of each `columns` list, and every
/// read is checked: a value this build cannot understand (a hand-edited or corrupt row) throws
/// ``StoreError/unavailable(_:)`` instead of trapping.
enum Records {
    static let deploymentColumns =
        #"id, app, "commit", previous_commit, trigger, strategy, state, reason, created_at, updated_at"#
    static let stageColumns = "deployment, stage_index, kind, state, attempts, reason, started_at, finished_at, options"
    static let approvalColumns = "deployment, stage_index, approver, at"
    static let appColumns = "name, repository, config_path, status, last_deployed_commit, summary, diff, updated_at, labels"
    static let eventColumns = "sequence, kind, at, app, deployment, stage_index, message, data"

    // MARK: Deployments

    static func deployment(_ row: Row) throws -> Deployment {
        Deployment(
            id: DeploymentID(rawValue: try row.decode(String.self, atIndex: 0)),
            app: try row.decode(String.self, atIndex: 1),
            commit: try commit(row, 2, "deployments.commit"),
            previousCommit: try optionalCommit(row, 3, "deployments.previous_commit"),
            trigger: try value(DeploymentTrigger.self, row, 4, "deployments.trigger"),
            strategy: try value(PlannedStrategy.self, row, 5, "deployments.strategy"),
            state: try value(DeploymentState.self, row, 6, "deployments.state"),
            reason: try row.decode(String?.self, atIndex: 7),
            createdAt: try date(row, 8),
            updatedAt: try date(row, 9))
    }

    static func arguments(_ deployment: Deployment) -> StatementArguments {
        [deployment.id.rawValue, deployment.app, deployment.commit.hex, deployment.previousCommit?.hex,
         deployment.trigger.rawValue, deployment.strategy.rawValue, deployment.state.rawValue, deployment.reason,
         StoreDate.microseconds(deployment.createdAt), StoreDate.microseconds(deployment.updatedAt)]
    }

    // MARK: Stages

    static func stage(_ row: Row) throws -> StageRecord {
        StageRecord(
            deployment: DeploymentID(rawValue: try row.decode(String.self, atIndex: 0)),
            index: try row.decode(Int.self, atIndex: 1),
            kind: try value(StageKind.self, row, 2, "stages.kind"),
            options: try options(row, 8),
            state: try value(StageState.self, row, 3, "stages.state"),
            attempts: try row.decode(Int.self, atIndex: 4),
            reason: try row.decode(String?.self, atIndex: 5),
            startedAt: try optionalDate(row, 6),
            finishedAt: try optionalDate(row, 7))
    }

    /// Every column, in the order of ``stageColumns``: for an insert.
    static func arguments(_ stage: StageRecord) -> StatementArguments {
        progressArguments(stage) + [encode(stage.options)]
    }

    /// The first eight columns (all but `options`, which an update leaves as inserted).
    static func progressArguments(_ stage: StageRecord) -> StatementArguments {
        [stage.deployment.rawValue, stage.index, stage.kind.rawValue, stage.state.rawValue, stage.attempts, stage.reason,
         stage.startedAt.map(StoreDate.microseconds), stage.finishedAt.map(StoreDate.microseconds)]
    }

    /// JSON with sorted keys, so the same options are the same bytes.
    private static func encode(_ options: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding a JSONValue cannot fail (no non-finite numbers reach it from the config decoder); if it
        // ever does, an empty object loses the display only, never the stage.
        return (try? encoder.encode(options)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    private static func options(_ row: Row, _ index: Int) throws -> JSONValue {
        let text = try row.decode(String.self, atIndex: index)
        if text == "{}" { return .object([:]) }
        do {
            return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        } catch {
            throw StoreError.unavailable("stages.options holds \"\(text.prefix(80))\", which is not JSON")
        }
    }

    // MARK: Approvals

    static func approval(_ row: Row) throws -> Approval {
        Approval(
            deployment: DeploymentID(rawValue: try row.decode(String.self, atIndex: 0)),
            stageIndex: try row.decode(Int.self, atIndex: 1),
            approver: try row.decode(String.self, atIndex: 2),
            at: try date(row, 3))
    }

    static func arguments(_ approval: Approval) -> StatementArguments {
        [approval.deployment.rawValue, approval.stageIndex, approval.approver, StoreDate.microseconds(approval.at)]
    }

    // MARK: Apps

    static func app(_ row: Row) throws -> AppRecord {
        AppRecord(
            name: try row.decode(String.self, atIndex: 0),
            repository: try row.decode(String.self, atIndex: 1),
            configPath: try row.decode(String.self, atIndex: 2),
            status: try value(SyncStatus.self, row, 3, "apps.status"),
            lastDeployedCommit: try optionalCommit(row, 4, "apps.last_deployed_commit"),
            summary: try row.decode(String?.self, atIndex: 5),
            diff: try row.decode(String?.self, atIndex: 6),
            updatedAt: try date(row, 7),
            labels: try labels(row, 8))
    }

    static func arguments(_ app: AppRecord) -> StatementArguments {
        [app.name, app.repository, app.configPath, app.status.rawValue, app.lastDeployedCommit?.hex, app.summary,
         app.diff, StoreDate.microseconds(app.updatedAt), EventData.encode(app.labels)]
    }

    /// Labels are a JSON object of strings, like an event's data (and encoded the same way).
    private static func labels(_ row: Row, _ index: Int) throws -> [String: String] {
        let text = try row.decode(String.self, atIndex: index)
        do {
            return try EventData.decode(text)
        } catch {
            throw StoreError.unavailable("apps.labels holds \"\(text.prefix(80))\", which is not a JSON object of strings")
        }
    }

    // MARK: Events

    static func event(_ row: Row) throws -> Event {
        let sequence = try row.decode(Int64.self, atIndex: 0)
        let data: [String: String]
        do {
            data = try EventData.decode(try row.decode(String.self, atIndex: 7))
        } catch {
            throw StoreError.unavailable("event \(sequence) has data that is not a JSON object of strings: \(error)")
        }
        let event = NewEvent(
            kind: try value(EventKind.self, row, 1, "events.kind"),
            at: try date(row, 2),
            app: try row.decode(String?.self, atIndex: 3),
            deployment: try row.decode(String?.self, atIndex: 4).map(DeploymentID.init(rawValue:)),
            stageIndex: try row.decode(Int?.self, atIndex: 5),
            message: try row.decode(String.self, atIndex: 6),
            data: data)
        return Event(sequence: sequence, event)
    }

    /// The event as stored; its date rounded as the column keeps it, so callers get back what readers see.
    static func stored(_ event: NewEvent, sequence: Int64) -> (Event, StatementArguments) {
        let micros = StoreDate.microseconds(event.at)
        var stored = Event(sequence: sequence, event)
        stored.at = StoreDate.date(micros)
        let arguments: StatementArguments = [
            sequence, event.kind.rawValue, micros, event.app, event.deployment?.rawValue, event.stageIndex,
            event.message, EventData.encode(event.data),
        ]
        return (stored, arguments)
    }

    // MARK: Checked column reads

    static func value<T: RawRepresentable>(_ type: T.Type, _ row: Row, _ index: Int, _ column: String) throws -> T
    where T.RawValue == String {
        let text = try row.decode(String.self, atIndex: index)
        guard let value = T(rawValue: text) else {
            throw StoreError.unavailable("\(column) holds \"\(text)\", which this Capstan does not know")
        }
        return value
    }

    private static func commit(_ row: Row, _ index: Int, _ column: String) throws -> CommitID {
        let text = try row.decode(String.self, atIndex: index)
        guard let commit = CommitID(text) else {
            throw StoreError.unavailable("\(column) holds \"\(text)\", which is not a commit id")
        }
        return commit
    }

    static func optionalCommit(_ row: Row, _ index: Int, _ column: String) throws -> CommitID? {
        try row.decode(String?.self, atIndex: index) == nil ? nil : try commit(row, index, column)
    }

    static func date(_ row: Row, _ index: Int) throws -> Date {
        StoreDate.date(try row.decode(Int64.self, atIndex: index))
    }

    private static func optionalDate(_ row: Row, _ index: Int) throws -> Date? {
        try row.decode(Int64?.self, atIndex: index).map(StoreDate.date)
    }
}
