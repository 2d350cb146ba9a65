import CapstanCore
import CapstanStore
import Foundation
import GRDB

/// Appending events: `SQLiteDeploymentStore.write` against raw GRDB inserts of the same rows into the
/// same schema, in the same run. One op is 1,000 events, written either one per write (1,000
/// transactions) or as one batch (1 transaction).
///
/// The baseline is the floor for SQLite through GRDB: rows already encoded, one cached INSERT, the
/// synchronous writer API, sequence numbers left to SQLite. Ours pays for what the store must do on top:
/// the async hop to the writer, numbering (MAX + 1), encoding the data as JSON, dates to microseconds.
/// Both files live on disk (not tmpfs), in WAL with `synchronous = NORMAL`.
struct EventAppendScenario: Scenario {
    /// Events in one write; 1 means a transaction per event.
    let eventsPerWrite: Int
    let eventsPerOp = 1_000

    let name: String
    var goal: String { eventsPerWrite == 1 ? "≥0.5x" : "≥0.5x, ≥50,000 events/s" }
    var itemsPerOp: (count: Int, unit: String)? { (eventsPerOp, "events") }

    private var folder: TemporaryFolder?
    private var store: SQLiteDeploymentStore?
    private var raw: DatabasePool?
    private var events: [NewEvent] = []
    private var rows: [StatementArguments] = []

    /// Each event in its own write: what the engine does for one state change.
    static var onePerWrite: Self { Self(eventsPerWrite: 1, name: "event append, 1 per write (op: 1,000 writes)") }
    /// Whole batches, as stage logs are written.
    static var batched: Self { Self(eventsPerWrite: 1_000, name: "event append, 1,000 per write") }

    private init(eventsPerWrite: Int, name: String) {
        self.eventsPerWrite = eventsPerWrite
        self.name = name
    }

    mutating func prepare() async throws {
        let ours = try SQLiteDeploymentStore.temporaryURL(inMemory: false)
        let folder = ours.deletingLastPathComponent()
        let rawURL = folder.appendingPathComponent("raw.db")
        // The baseline file gets its schema (and index on deployment) from the store itself.
        try SQLiteDeploymentStore.open(at: rawURL).close()
        let raw = try DatabasePool(path: rawURL.path)
        let store = try SQLiteDeploymentStore.open(at: ours)

        let start = Date(timeIntervalSince1970: 1_750_000_000)
        events = (0..<eventsPerOp).map { index in
            NewEvent(kind: .stageLog, at: start.addingTimeInterval(Double(index) / 1000), app: "checkout",
                     deployment: DeploymentID(rawValue: "d-5f0c2a9e41b7"), stageIndex: 2,
                     message: "canary: \(index % 3 + 1) of 3 instances ready",
                     data: ["variant": "canary", "ready": "\(index % 3 + 1)", "replicas": "3"])
        }
        rows = events.map { event in
            [event.kind.rawValue, Int64((event.at.timeIntervalSince1970 * 1_000_000).rounded()), event.app,
             event.deployment?.rawValue, event.stageIndex, event.message,
             #"{"ready":"\#(event.data["ready"] ?? "")","replicas":"3","variant":"canary"}"#]
        }

        // Both sides must store the same rows before either is timed.
        let stored = try await store.write([], events: Array(events.prefix(3)))
        try Self.insertRaw(Array(rows.prefix(3)), into: raw)
        let back = try await store.events(after: 0, limit: 3)
        let rawData = try await raw.read { db in try String.fetchAll(db, sql: "SELECT data FROM events ORDER BY sequence") }
        guard back == stored, back.map(\.data) == events.prefix(3).map(\.data),
              try rawData.map({ try JSONDecoder().decode([String: String].self, from: Data($0.utf8)) }) == back.map(\.data) else {
            throw BenchError("the store and the raw inserts disagree on the first rows")
        }
        self.folder = TemporaryFolder(url: folder)
        self.store = store
        self.raw = raw
    }

    func ours() async throws {
        guard let store else { throw BenchError("not prepared") }
        var start = 0
        while start < events.count {
            let end = min(start + eventsPerWrite, events.count)
            try await store.write([], events: Array(events[start..<end]))
            start = end
        }
    }

    func baseline() async throws {
        guard let raw else { throw BenchError("not prepared") }
        var start = 0
        while start < rows.count {
            let end = min(start + eventsPerWrite, rows.count)
            try Self.insertRaw(Array(rows[start..<end]), into: raw)
            start = end
        }
    }

    /// One transaction inserting `rows`.
    private static func insertRaw(_ rows: [StatementArguments], into raw: DatabasePool) throws {
        try raw.write { db in
            let insert = try db.cachedStatement(sql: """
                INSERT INTO events (kind, at, app, deployment, stage_index, message, data) VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for row in rows {
                try insert.execute(arguments: row)
            }
        }
    }
}

/// Removes its folder when the scenario is dropped (the harness has no teardown step). Open SQLite files
/// in it are unlinked, which is harmless on Linux and macOS: they go away when closed.
private final class TemporaryFolder {
    let url: URL

    init(url: URL) {
        self.url = url
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
