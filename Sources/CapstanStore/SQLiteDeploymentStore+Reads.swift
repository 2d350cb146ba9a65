public import CapstanCore
import GRDB

/// Reads run on the pool's reader connections, in parallel with each other and with the writer, and
/// see the last committed write.
extension SQLiteDeploymentStore {
    /// The deployment with `id`, or nil.
    public func deployment(_ id: DeploymentID) async throws -> Deployment? {
        try await fetch("SELECT \(Records.deploymentColumns) FROM deployments WHERE id = ?", [id.rawValue],
                        Records.deployment).first
    }

    /// Newest first (`createdAt` descending), ties broken by id ascending; nil filters match everything.
    public func deployments(app: String?, state: DeploymentState?, limit: Int) async throws -> [Deployment] {
        guard limit > 0 else { return [] }
        // One fixed statement per filter combination, so each is prepared once and uses its index.
        let base = "SELECT \(Records.deploymentColumns) FROM deployments"
        let order = "ORDER BY created_at DESC, id LIMIT ?"
        switch (app, state) {
        case (nil, nil):
            return try await fetch("\(base) \(order)", [limit], Records.deployment)
        case (let app?, nil):
            return try await fetch("\(base) WHERE app = ? \(order)", [app, limit], Records.deployment)
        case (nil, let state?):
            return try await fetch("\(base) WHERE state = ? \(order)", [state.rawValue, limit], Records.deployment)
        case (let app?, let state?):
            return try await fetch("\(base) WHERE app = ? AND state = ? \(order)", [app, state.rawValue, limit],
                                   Records.deployment)
        }
    }

    /// Ordered by index.
    public func stages(of deployment: DeploymentID) async throws -> [StageRecord] {
        try await fetch("SELECT \(Records.stageColumns) FROM stages WHERE deployment = ? ORDER BY stage_index",
                        [deployment.rawValue], Records.stage)
    }

    /// Ordered by stage index, then time, then approver.
    public func approvals(of deployment: DeploymentID) async throws -> [Approval] {
        try await fetch("""
            SELECT \(Records.approvalColumns) FROM approvals WHERE deployment = ? ORDER BY stage_index, at, approver
            """, [deployment.rawValue], Records.approval)
    }

    /// The application named `name`, or nil.
    public func app(_ name: String) async throws -> AppRecord? {
        try await fetch("SELECT \(Records.appColumns) FROM apps WHERE name = ?", [name], Records.app).first
    }

    /// Sorted by name (byte order of the UTF-8 name).
    public func apps() async throws -> [AppRecord] {
        try await fetch("SELECT \(Records.appColumns) FROM apps ORDER BY name", [], Records.app)
    }

    /// Two columns of the repository's rows: no labels to decode (most of what `apps()` costs).
    public func deployedCommits(repository: String) async throws -> [String: CommitID?] {
        let rows = try await fetch("SELECT name, last_deployed_commit FROM apps WHERE repository = ?", [repository]) { row in
            (try row.decode(String.self, atIndex: 0), try Records.optionalCommit(row, 1, "apps.last_deployed_commit"))
        }
        return Dictionary(rows, uniquingKeysWith: { first, _ in first })
    }

    /// Events with a sequence above `after`, oldest first, at most `limit`.
    public func events(after sequence: Int64, limit: Int) async throws -> [Event] {
        guard limit > 0 else { return [] }
        return try await fetch("SELECT \(Records.eventColumns) FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?",
                               [sequence, limit], Records.event)
    }

    /// One deployment's events above `after`, oldest first, at most `limit`, narrowed to a stage and a kind
    /// when given. Served by `events_by_deployment`: a seek to (deployment, sequence > after), then a scan in
    /// sequence order that skips other stages and kinds.
    public func events(of deployment: DeploymentID, stage: Int?, kind: EventKind?, after sequence: Int64, limit: Int)
        async throws -> [Event] {
        guard limit > 0 else { return [] }
        // One fixed statement per filter combination, so each is prepared once.
        let base = "SELECT \(Records.eventColumns) FROM events WHERE deployment = ? AND sequence > ?"
        let order = "ORDER BY sequence LIMIT ?"
        let id = deployment.rawValue
        switch (stage, kind) {
        case (nil, nil):
            return try await fetch("\(base) \(order)", [id, sequence, limit], Records.event)
        case (let stage?, nil):
            return try await fetch("\(base) AND stage_index = ? \(order)", [id, sequence, stage, limit], Records.event)
        case (nil, let kind?):
            return try await fetch("\(base) AND kind = ? \(order)", [id, sequence, kind.rawValue, limit], Records.event)
        case (let stage?, let kind?):
            return try await fetch("\(base) AND stage_index = ? AND kind = ? \(order)",
                                   [id, sequence, stage, kind.rawValue, limit], Records.event)
        }
    }

    /// The highest sequence so far; 0 when there is none.
    public func lastSequence() async throws -> Int64 {
        try await StoreFailure.mapping("read \(path)") {
            try await pool.read { db in
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sequence) FROM events")) ?? 0
            }
        }
    }

    /// The migrations applied to the file, oldest first (`["v1", "v2"]` for this version's schema).
    public func appliedMigrations() async throws -> [String] {
        try await StoreFailure.mapping("read \(path)") {
            try await pool.read { db in try Schema.applied(db) }
        }
    }

    /// SQLite's `PRAGMA integrity_check`: `["ok"]` for a sound file, else the problems it found.
    public func integrityCheck() async throws -> [String] {
        try await StoreFailure.mapping("check \(path)") {
            try await pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        }
    }

    private func fetch<Value: Sendable>(
        _ sql: String, _ arguments: StatementArguments, _ decode: @escaping @Sendable (Row) throws -> Value
    ) async throws -> [Value] {
        try await StoreFailure.mapping("read \(path)") {
            try await pool.read { db in
                let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
                var values: [Value] = []
                while let row = try rows.next() {
                    values.append(try decode(row))
                }
                return values
            }
        }
    }
}
