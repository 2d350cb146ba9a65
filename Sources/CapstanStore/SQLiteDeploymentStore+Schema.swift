import CapstanCore
import GRDB

/// The versioned schema. A migration, once released, never changes: add "v2", "v3", … for new needs.
///
/// The SQL is written out rather than built with GRDB's schema DSL so that what a released version
/// created stays frozen in the source. Tables are STRICT (SQLite ≥ 3.37) so a wrong type is an error,
/// not a silent conversion. Times are INTEGER microseconds since 1970 (``StoreDate``).
enum Schema {
    static let migrator: DatabaseMigrator = {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(sql: v1)
        }
        migrator.registerMigration("v2") { db in
            try db.execute(sql: v2)
        }
        migrator.registerMigration("v3") { db in
            try db.execute(sql: v3)
        }
        return migrator
    }()

    /// Applies the missing migrations; refuses a file written by a newer Capstan.
    static func migrate(_ pool: DatabasePool) throws {
        let superseded = try pool.read { db in try migrator.hasBeenSuperseded(db) }
        if superseded {
            let known = migrator.migrations.joined(separator: ", ")
            throw StoreError.unavailable(
                "\(pool.path) was written by a newer Capstan (it has migrations beyond \(known)); upgrade Capstan")
        }
        try migrator.migrate(pool)
    }

    /// The migrations applied to the file, oldest first.
    static func applied(_ db: Database) throws -> [String] {
        try migrator.appliedMigrations(db)
    }

    static let v1 = """
        CREATE TABLE apps (
            name TEXT NOT NULL PRIMARY KEY,
            repository TEXT NOT NULL,
            config_path TEXT NOT NULL,
            status TEXT NOT NULL,
            last_deployed_commit TEXT,
            summary TEXT,
            diff TEXT,
            updated_at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE deployments (
            id TEXT NOT NULL PRIMARY KEY,
            app TEXT NOT NULL,
            "commit" TEXT NOT NULL,
            previous_commit TEXT,
            trigger TEXT NOT NULL,
            strategy TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        -- Both serve "newest first" listings filtered by app or by state without a sort step.
        CREATE INDEX deployments_by_app ON deployments(app, created_at);
        CREATE INDEX deployments_by_state ON deployments(state, created_at);

        CREATE TABLE stages (
            deployment TEXT NOT NULL REFERENCES deployments(id),
            stage_index INTEGER NOT NULL,
            kind TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            reason TEXT,
            started_at INTEGER,
            finished_at INTEGER,
            PRIMARY KEY (deployment, stage_index)
        ) STRICT;

        CREATE TABLE approvals (
            deployment TEXT NOT NULL,
            stage_index INTEGER NOT NULL,
            approver TEXT NOT NULL,
            at INTEGER NOT NULL,
            PRIMARY KEY (deployment, stage_index, approver),
            FOREIGN KEY (deployment, stage_index) REFERENCES stages(deployment, stage_index)
        ) STRICT;

        -- sequence is the rowid, assigned by the writer as MAX + 1 inside its transaction (no
        -- AUTOINCREMENT): a rolled-back write leaves no gap. No foreign keys: the log outlives anything.
        CREATE TABLE events (
            sequence INTEGER PRIMARY KEY,
            kind TEXT NOT NULL,
            at INTEGER NOT NULL,
            app TEXT,
            deployment TEXT,
            stage_index INTEGER,
            message TEXT NOT NULL,
            data TEXT NOT NULL
        ) STRICT;
        CREATE INDEX events_by_deployment ON events(deployment);
        """

    /// Stage options, so the API can show what a stage does (traffic weights, replicas) without Git.
    ///
    /// No new event index: `events_by_deployment` (deployment, then the rowid `sequence`) already serves
    /// one deployment's events after a sequence, which is what paging and `--follow` ask for; a stage
    /// and kind filter only scans that deployment's rows. An index on (deployment, stage_index, sequence)
    /// would save that scan for the first page of a late stage, and cost every event append (the
    /// store's hot path) a second index update.
    static let v2 = """
        ALTER TABLE stages ADD COLUMN options TEXT NOT NULL DEFAULT '{}';
        """

    /// Outbound notifications: the outbox, each receiver's cursor in the event log, and the applications'
    /// labels (notifications filter on them; the labels live in Git, which the notifier does not read).
    ///
    /// A receiver's deliveries are read pending-only and in event order, hence the partial index: delivered
    /// and dead rows (most of the table) cost it nothing. Pruning finished rows scans the table, which it
    /// does once an hour; an index for it would cost every delivery an extra index update.
    static let v3 = """
        ALTER TABLE apps ADD COLUMN labels TEXT NOT NULL DEFAULT '{}';

        CREATE TABLE notification_cursors (
            notification TEXT NOT NULL PRIMARY KEY,
            sequence INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE notification_deliveries (
            id TEXT NOT NULL PRIMARY KEY,
            notification TEXT NOT NULL,
            sequence INTEGER NOT NULL,
            kind TEXT NOT NULL,
            body BLOB NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL,
            next_attempt_at INTEGER NOT NULL,
            last_error TEXT,
            created_at INTEGER NOT NULL,
            updated_at INTEGER NOT NULL
        ) STRICT;
        CREATE INDEX notification_deliveries_pending ON notification_deliveries(notification, sequence)
            WHERE state = 'pending';
        """
}
