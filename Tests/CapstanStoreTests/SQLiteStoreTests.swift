import CapstanCore
@testable import CapstanStore
import Foundation
import Testing

/// What only the SQLite store has: a file that outlives the process, a schema with versions, and SQLite
/// failures that must become `StoreError.unavailable`.
@Suite struct SQLiteStoreTests {
    @Test func dataSurvivesClosingAndReopening() async throws {
        try await withTemporaryStoreURL(inMemory: false) { url in
            let deployment = Sample.deployment("a")
            let approval = Approval(deployment: deployment.id, stageIndex: 1, approver: "bob", at: Sample.time(3))
            let written = try await SQLiteDeploymentStore.withStore(at: url) { store in
                try await store.write(
                    [.upsertApp(Sample.app("checkout")), .insertDeployment(deployment, stages: Sample.stages("a")),
                     .insertApproval(approval)],
                    events: [Sample.event(.deploymentCreated, deployment: "a", data: ["commit": "0000000"])])
            }
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                let back = try await store.deployment(deployment.id)
                #expect(back == deployment)
                #expect(try await store.stages(of: deployment.id) == Sample.stages("a"))
                #expect(try await store.approvals(of: deployment.id) == [approval])
                #expect(try await store.apps() == [Sample.app("checkout")])
                #expect(try await store.events(after: 0, limit: 10) == written)
                #expect(try await store.write([], events: [Sample.event()]).map(\.sequence) == [2])
            }
        }
    }

    @Test func migrationsAreVersionedAndRunOnce() async throws {
        try await withTemporaryStoreURL { url in
            for _ in 0..<3 {
                // A second run of v1 (or v2) would fail on CREATE TABLE (ADD COLUMN): reopening proves it is skipped.
                try await SQLiteDeploymentStore.withStore(at: url) { store in
                    #expect(try await store.appliedMigrations() == ["v1", "v2", "v3"])
                    #expect(try await store.integrityCheck() == ["ok"])
                    try await store.write([], events: [Sample.event()])
                }
            }
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                let last = try await store.lastSequence()
                #expect(last == 3)
            }
        }
    }

    @Test func aVersion1FileGainsStageOptionsAndKeepsItsStages() async throws {
        try await withTemporaryStoreURL { url in
            // Make the file what v1 left: no options column, no v2 (or v3) in the migrations table, one stage row.
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                try await store.write([.insertDeployment(Sample.deployment("a"), stages: [])], events: [])
                try await store.executeUnchecked(OutboxTests.undoV3)
                try await store.executeUnchecked("""
                    ALTER TABLE stages DROP COLUMN options;
                    DELETE FROM grdb_migrations WHERE identifier = 'v2';
                    INSERT INTO stages (deployment, stage_index, kind, state, attempts) VALUES ('d-a', 0, 'SYNC', 'RUNNING', 1);
                    """)
                #expect(try await store.appliedMigrations() == ["v1"])
            }
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                let stages = try await store.stages(of: Sample.id("a"))
                #expect(stages == [StageRecord(deployment: Sample.id("a"), index: 0, kind: .sync, state: .running, attempts: 1)])
                #expect(try await store.appliedMigrations() == ["v1", "v2", "v3"])
                #expect(try await store.integrityCheck() == ["ok"])
            }
        }
    }

    /// A stage's log is read through the index by deployment: a seek, not a scan of the whole log.
    @Test func stageLogsAreReadThroughTheDeploymentIndex() async throws {
        try await withTemporaryStoreURL { url in
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                let plan = try await store.queryPlan("""
                    SELECT \(Records.eventColumns) FROM events WHERE deployment = 'd-a' AND sequence > 10
                    AND stage_index = 1 AND kind = 'stage.log' ORDER BY sequence LIMIT 100
                    """)
                #expect(plan == ["SEARCH events USING INDEX events_by_deployment (deployment=? AND rowid>?)"])
            }
        }
    }

    @Test func aFileFromANewerCapstanIsRefused() async throws {
        try await withTemporaryStoreURL { url in
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                try await store.executeUnchecked("INSERT INTO grdb_migrations (identifier) VALUES ('v99')")
            }
            let error = #expect(throws: StoreError.self) { try SQLiteDeploymentStore.open(at: url) }
            #expect(error?.isUnavailable == true)
            #expect(error?.message.contains("newer Capstan") == true)
        }
    }

    @Test func aFileThatIsNotADatabaseIsUnavailable() async throws {
        try await withTemporaryStoreURL { url in
            try Data(repeating: 0x41, count: 8192).write(to: url)
            let error = #expect(throws: StoreError.self) { try SQLiteDeploymentStore.open(at: url) }
            #expect(error?.isUnavailable == true)
            #expect(error?.message.contains("not a Capstan database") == true)
        }
    }

    @Test func openCreatesAPrivateFolderAndReportsAFolderItCannotCreate() async throws {
        try await withTemporaryStoreURL { url in
            let nested = url.deletingLastPathComponent().appendingPathComponent("data/store/capstan.db")
            try SQLiteDeploymentStore.open(at: nested).close()
            let attributes = try FileManager.default.attributesOfItem(atPath: nested.deletingLastPathComponent().path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.int16Value == 0o700)

            let underAFile = url.appendingPathComponent("capstan.db")  // url itself does not exist yet: make it a file
            try Data("not a folder".utf8).write(to: url)
            let error = #expect(throws: StoreError.self) { try SQLiteDeploymentStore.open(at: underAFile) }
            #expect(error?.message.contains("cannot create the folder") == true)
        }
    }

    /// A size limit makes SQLite answer SQLITE_FULL, as a full disk does.
    @Test func aFullDiskIsUnavailableAndTheWriteLeavesNothing() async throws {
        try await withTemporaryStoreURL { url in
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                try await store.write([], events: [Sample.event()])
                // max_page_count cannot go below the current size: 1 means "exactly as big as now".
                try await store.executeUnchecked("PRAGMA max_page_count = 1")
                let big = String(repeating: "x", count: 64 * 1024)
                let error = await #expect(throws: StoreError.self) {
                    try await store.write([.upsertApp(Sample.app("checkout"))], events: [Sample.event(message: big)])
                }
                #expect(error?.isUnavailable == true)
                #expect(error?.message.contains("full") == true)
                #expect(try await store.lastSequence() == 1)
                #expect(try await store.apps().isEmpty)
            }
        }
    }

    /// `query_only` makes the writer answer SQLITE_READONLY, as a read-only file does (root, which runs
    /// these tests here, ignores file modes: see `aReadOnlyFileIsUnavailable`).
    @Test func aReadOnlyDatabaseIsUnavailable() async throws {
        try await withTemporaryStoreURL { url in
            try await SQLiteDeploymentStore.withStore(at: url) { store in
                try await store.executeUnchecked("PRAGMA query_only = 1")
                let error = await #expect(throws: StoreError.self) { try await store.write([], events: [Sample.event()]) }
                #expect(error?.isUnavailable == true)
                #expect(error?.message.contains("read-only") == true)
                #expect(try await store.lastSequence() == 0)
            }
        }
    }

    @Test(.enabled(if: getuid() != 0, "root ignores file permissions"))
    func aReadOnlyFileIsUnavailable() async throws {
        try await withTemporaryStoreURL(inMemory: false) { url in
            try SQLiteDeploymentStore.open(at: url).close()
            let folder = url.deletingLastPathComponent()
            let files = [url.path, url.path + "-wal", url.path + "-shm"].filter { FileManager.default.fileExists(atPath: $0) }
            for path in files + [folder.path] {
                try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: path)
            }
            defer { try? FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: folder.path) }
            do {
                let store = try SQLiteDeploymentStore.open(at: url)
                let error = await #expect(throws: StoreError.self) { try await store.write([], events: [Sample.event()]) }
                #expect(error?.isUnavailable == true)
            } catch let error as StoreError {
                #expect(error.isUnavailable)
            }
        }
    }

    @Test func aClosedStoreIsUnavailable() async throws {
        try await withTemporaryStoreURL { url in
            let store = try SQLiteDeploymentStore.open(at: url)
            try store.close()
            let error = await #expect(throws: StoreError.self) { try await store.lastSequence() }
            #expect(error?.message.contains("closed") == true)
        }
    }

    @Test func storeDatesAreWholeMicrosecondsAndStable() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let micros = Int64.random(in: 0...4_102_444_800_000_000, using: &generator)  // 1970...2100
            #expect(StoreDate.microseconds(StoreDate.date(micros)) == micros)
        }
        #expect(StoreDate.microseconds(Date(timeIntervalSince1970: 1.000_000_4)) == 1_000_000)
        #expect(StoreDate.microseconds(Date(timeIntervalSince1970: -1.5)) == -1_500_000)
        #expect(StoreDate.microseconds(Date(timeIntervalSince1970: .nan)) == 0)
        #expect(StoreDate.microseconds(.distantFuture) > 0)
    }

    @Test func eventDataIsSortedEscapedJSON() throws {
        #expect(EventData.encode([:]) == "{}")
        #expect(EventData.encode(["b": "2", "a": "say \"hi\"\n", "c": "\\ \u{01} é"]) ==
                #"{"a":"say \"hi\"\n","b":"2","c":"\\ \u0001 é"}"#)
        let data = ["k\"ey": "v\u{7f}\u{0}", "tab": "\t", "emoji": "🚀"]
        #expect(try EventData.decode(EventData.encode(data)) == data)
        #expect(throws: (any Error).self) { try EventData.decode("[1]") }
    }
}
