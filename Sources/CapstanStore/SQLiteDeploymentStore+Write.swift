public import CapstanCore
import GRDB
import Synchronization

extension SQLiteDeploymentStore {
    /// Applies `changes` in order, then appends `events`, in one IMMEDIATE transaction; returns the
    /// events as stored (numbered, dates rounded to the microsecond).
    ///
    /// A failed check throws ``StoreError/conflict(_:)`` or ``StoreError/notFound(_:)`` and rolls the
    /// whole write back: no record and no event of it remains.
    ///
    /// When no other write is being made inline, this one runs on the caller's thread: a transaction is
    /// about 30 µs of work on the page cache (no fsync per commit in WAL with `synchronous = NORMAL`), and
    /// hopping to GRDB's writer thread and back cost as much again. Only one caller at a time takes that
    /// path, so at most one thread of the cooperative pool is ever inside the store, and it waits at most
    /// for the one write already running; every other concurrent writer awaits its turn on the writer
    /// queue without holding a thread.
    @discardableResult
    public func write(_ changes: [StoreChange], events: [NewEvent]) async throws -> [Event] {
        if changes.isEmpty && events.isEmpty { return [] }
        let body: @Sendable (Database) throws -> [Event] = { db in
            for change in changes {
                try Self.apply(change, db)
            }
            return try Self.append(events, db)
        }
        if inlineWriter.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            defer { inlineWriter.store(false, ordering: .releasing) }
            return try StoreFailure.mapping("write to \(path)") { try pool.write(body) }
        }
        return try await StoreFailure.mapping("write to \(path)") { try await pool.write(body) }
    }

    private static func apply(_ change: StoreChange, _ db: Database) throws {
        switch change {
        case .insertDeployment(let deployment, let stages):
            try insert(deployment, stages: stages, db)
        case .updateDeployment(let deployment, let expecting):
            try update(deployment, expecting: expecting, db)
        case .updateStage(let stage):
            try db.cachedStatement(sql: """
                UPDATE stages SET kind = ?3, state = ?4, attempts = ?5, reason = ?6, started_at = ?7, finished_at = ?8
                WHERE deployment = ?1 AND stage_index = ?2
                """).execute(arguments: Records.progressArguments(stage))
            guard db.changesCount > 0 else {
                throw StoreError.notFound("stage \(stage.index) of deployment \(stage.deployment)")
            }
        case .upsertApp(let app):
            try db.cachedStatement(sql: """
                INSERT INTO apps (\(Records.appColumns)) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
                ON CONFLICT (name) DO UPDATE SET repository = ?2, config_path = ?3, status = ?4,
                    last_deployed_commit = ?5, summary = ?6, diff = ?7, updated_at = ?8, labels = ?9
                """).execute(arguments: Records.arguments(app))
        case .insertApproval(let approval):
            try insert(approval, db)
        case .replaceStages(let id, let stages):
            guard try exists("SELECT 1 FROM deployments WHERE id = ?", [id.rawValue], db) else {
                throw StoreError.notFound("deployment \(id)")
            }
            try validate(stages, of: id)
            try db.execute(sql: "DELETE FROM stages WHERE deployment = ?", arguments: [id.rawValue])
            let insertStage = try db.cachedStatement(sql: "INSERT INTO stages (\(Records.stageColumns)) VALUES (?,?,?,?,?,?,?,?,?)")
            for stage in stages {
                try insertStage.execute(arguments: Records.arguments(stage))
            }
        }
    }

    private static func insert(_ deployment: Deployment, stages: [StageRecord], _ db: Database) throws {
        if try exists("SELECT 1 FROM deployments WHERE id = ?", [deployment.id.rawValue], db) {
            throw StoreError.conflict("deployment \(deployment.id) already exists")
        }
        try validate(stages, of: deployment.id)
        try db.cachedStatement(sql: "INSERT INTO deployments (\(Records.deploymentColumns)) VALUES (?,?,?,?,?,?,?,?,?,?)")
            .execute(arguments: Records.arguments(deployment))
        let insertStage = try db.cachedStatement(sql: "INSERT INTO stages (\(Records.stageColumns)) VALUES (?,?,?,?,?,?,?,?,?)")
        for stage in stages {
            try insertStage.execute(arguments: Records.arguments(stage))
        }
    }

    private static func update(_ deployment: Deployment, expecting: DeploymentState?, _ db: Database) throws {
        let current = try String.fetchOne(
            db.cachedStatement(sql: "SELECT state FROM deployments WHERE id = ?"), arguments: [deployment.id.rawValue])
        guard let current else { throw StoreError.notFound("deployment \(deployment.id)") }
        if let expecting, current != expecting.rawValue {
            throw StoreError.conflict("deployment \(deployment.id) is \(current), not \(expecting.rawValue) as expected")
        }
        try db.cachedStatement(sql: """
            UPDATE deployments SET app = ?2, "commit" = ?3, previous_commit = ?4, trigger = ?5, strategy = ?6, state = ?7,
                reason = ?8, created_at = ?9, updated_at = ?10
            WHERE id = ?1
            """).execute(arguments: Records.arguments(deployment))
    }

    private static func insert(_ approval: Approval, _ db: Database) throws {
        let key: StatementArguments = [approval.deployment.rawValue, approval.stageIndex]
        guard try exists("SELECT 1 FROM stages WHERE deployment = ? AND stage_index = ?", key, db) else {
            throw StoreError.notFound("stage \(approval.stageIndex) of deployment \(approval.deployment)")
        }
        if try exists("SELECT 1 FROM approvals WHERE deployment = ? AND stage_index = ? AND approver = ?",
                      key + [approval.approver], db) {
            throw StoreError.conflict(
                "\(approval.approver) already approved stage \(approval.stageIndex) of deployment \(approval.deployment)")
        }
        try db.cachedStatement(sql: "INSERT INTO approvals (\(Records.approvalColumns)) VALUES (?,?,?,?)")
            .execute(arguments: Records.arguments(approval))
    }

    /// Numbers `events` from the current maximum: inside the write transaction no one else can append,
    /// and a rollback takes the numbers back with it, so the sequence never has a gap.
    private static func append(_ events: [NewEvent], _ db: Database) throws -> [Event] {
        guard !events.isEmpty else { return [] }
        let last = try Int64.fetchOne(db.cachedStatement(sql: "SELECT MAX(sequence) FROM events")) ?? 0
        let insert = try db.cachedStatement(sql: "INSERT INTO events (\(Records.eventColumns)) VALUES (?,?,?,?,?,?,?,?)")
        var stored: [Event] = []
        stored.reserveCapacity(events.count)
        for (offset, event) in events.enumerated() {
            let (numbered, arguments) = Records.stored(event, sequence: last + 1 + Int64(offset))
            try insert.execute(arguments: arguments)
            stored.append(numbered)
        }
        return stored
    }

    /// Stages come with their deployment: each must name it, at an index no other stage takes.
    private static func validate(_ stages: [StageRecord], of id: DeploymentID) throws {
        var indices = Set<Int>()
        for stage in stages {
            guard stage.deployment == id else {
                throw StoreError.conflict("stage \(stage.index) names deployment \(stage.deployment), not \(id)")
            }
            guard indices.insert(stage.index).inserted else {
                throw StoreError.conflict("deployment \(id) has two stages at index \(stage.index)")
            }
        }
    }

    private static func exists(_ sql: String, _ arguments: StatementArguments, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) != nil
    }
}
