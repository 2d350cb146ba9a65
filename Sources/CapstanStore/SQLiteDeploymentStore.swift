public import CapstanCore
public import Foundation
internal import GRDB
import Synchronization

/// The deployment records and the event store in one SQLite file, through a GRDB `DatabasePool` (WAL).
///
/// Writers are serialized by the pool (one writer connection); readers run in parallel and see the last
/// committed write. One write at a time may run on its caller's thread instead of hopping to the writer
/// queue (``write(_:events:)`` says why that is safe). Every `write` is one `IMMEDIATE` transaction, so a state change and its events land
/// together or not at all. SQLite failures (disk full, read-only, corrupt, locked) surface as
/// ``StoreError/unavailable(_:)``, never as a crash.
///
/// Durability: WAL with `synchronous = NORMAL` (GRDB sets it for pools). A commit survives a crash or
/// `kill -9` of the process, which is what a controller restart needs; an OS crash or power cut may lose
/// the last commits (never corrupt the file). `FULL` would add an fsync per commit for that case.
///
/// Dates are stored as whole microseconds since 1970 (UTC) and come back rounded to the microsecond
/// (StoreDate.swift says why).
public final class SQLiteDeploymentStore: DeploymentStore {
    /// The database file.
    public let url: URL
    /// `url.path`, kept for error messages.
    let path: String
    let pool: DatabasePool
    /// Set while a write runs on its caller's thread (see ``write(_:events:)``).
    let inlineWriter = Atomic<Bool>(false)

    private init(url: URL, pool: DatabasePool) {
        self.url = url
        self.path = url.path
        self.pool = pool
    }

    /// Opens (creating it if missing) the store at `url` and brings its schema up to date.
    ///
    /// The parent folder is created with mode 0700 when it does not exist. Throws
    /// ``StoreError/unavailable(_:)`` when the file cannot be opened, is not a database, or was written by
    /// a newer Capstan (a migration this build does not know). It blocks while it migrates: call it at
    /// startup (or through ``withStore(at:isolation:_:)``), not on a hot path.
    public static func open(at url: URL) throws -> SQLiteDeploymentStore {
        let folder = url.deletingLastPathComponent()
        do {
            var isFolder: ObjCBool = false
            if !FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder) || !isFolder.boolValue {
                try FileManager.default.createDirectory(
                    at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
        } catch {
            throw StoreError.unavailable("cannot create the folder \(folder.path): \(error.localizedDescription)")
        }
        return try StoreFailure.mapping("open \(url.path)") {
            let pool = try DatabasePool(path: url.path, configuration: configuration())
            try Schema.migrate(pool)
            return SQLiteDeploymentStore(url: url, pool: pool)
        }
    }

    /// Opens the store at `url`, runs `body`, and closes the store even when `body` throws.
    public static func withStore<Result>(
        at url: URL,
        isolation: isolated (any Actor)? = #isolation,
        _ body: (SQLiteDeploymentStore) async throws -> sending Result
    ) async throws -> sending Result {
        let store = try open(at: url)
        let result: Result
        do {
            result = try await body(store)
        } catch {
            try? store.close()
            throw error
        }
        try store.close()
        return result
    }

    /// Closes the file; later calls throw ``StoreError/unavailable(_:)``. Waits for running reads and writes.
    public func close() throws {
        try StoreFailure.mapping("close \(path)") { try pool.close() }
    }

    /// A path for a throwaway store in a new private folder: on tmpfs (`/dev/shm`, memory) when the system
    /// has one, else in the temporary folder. For tests and benchmarks; the caller removes the folder.
    public static func temporaryURL(inMemory: Bool = true) throws -> URL {
        let shm = URL(fileURLWithPath: "/dev/shm", isDirectory: true)
        let base = inMemory && FileManager.default.isWritableFile(atPath: shm.path)
            ? shm : FileManager.default.temporaryDirectory
        let folder = base.appendingPathComponent("capstan-store-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(
            at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        return folder.appendingPathComponent("capstan.db")
    }

    /// Runs raw SQL on the writer connection, outside the store's checks. Tests use it (through
    /// `@testable import`) to set up what the public API cannot: a newer schema, a size limit.
    func executeUnchecked(_ sql: String) async throws {
        try await StoreFailure.mapping("execute on \(path)") {
            try await pool.writeWithoutTransaction { db in try db.execute(sql: sql) }
        }
    }

    /// SQLite's plan for `sql` (the `detail` column of `EXPLAIN QUERY PLAN`), for tests that check an index
    /// serves a query.
    func queryPlan(_ sql: String) async throws -> [String] {
        try await StoreFailure.mapping("explain on \(path)") {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }
            }
        }
    }

    private static func configuration() -> Configuration {
        var configuration = Configuration()
        configuration.label = "capstan.store"
        // Another process (the CLI, a restarted server still shutting down) may hold the write lock
        // briefly; wait for it rather than failing at once.
        configuration.busyMode = .timeout(5)
        // Foreign keys are on by default in GRDB; state it, the schema relies on them.
        configuration.foreignKeysEnabled = true
        return configuration
    }
}
