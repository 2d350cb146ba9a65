import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// Whether this machine lets the tests mount a tmpfs.
enum TmpfsProbe {
    static let canMount: Bool = {
        let probe = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-mount-probe-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: probe, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: probe) }
        guard (try? runProcess("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", probe.path]))?.status == 0 else { return false }
        _ = try? runProcess("umount", [probe.path])
        return true
    }()
}

/// The data folder on its own small tmpfs, filled up under a running `capstan serve`: no new deployment
/// starts while it cannot write, the store stays intact, and the push it missed deploys once there is
/// room again. (Read-only is not tested: a tmpfs with the store open for writing cannot be remounted
/// read-only, and root ignores permission bits.)
///
/// Needs to mount a tmpfs (root, or CAP_SYS_ADMIN); elsewhere the suite is skipped and says why.
@Suite(.serialized, .timeLimit(.minutes(4)), .enabled(if: TmpfsProbe.canMount, "needs to mount a tmpfs (root)"))
struct DataDirFaultEndToEndTests {
    @Test func aFullDataFolderStartsNothingAndRecovers() async throws {
        let fixture = try ServeFixture()
        let data = fixture.root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        #expect(try runProcess("mount", ["-t", "tmpfs", "-o", "size=96m,mode=0700", "tmpfs", data.path]).status == 0)
        defer {
            _ = try? runProcess("umount", ["-l", data.path])
            fixture.tearDown()
        }
        try fixture.startServer()
        #expect(await fixture.eventually { await fixture.version("hello") == "1.0.0" }, "\(fixture.serverLog)")

        // Full: the poll cannot update its mirror nor the store take a deployment; what runs is untouched, and
        // the space comes back when the filler goes.
        let filler = data.appendingPathComponent("filler")
        _ = try runProcess("dd", ["if=/dev/zero", "of=\(filler.path)", "bs=1M", "count=200"])
        try fixture.setVersion("hello", "2.0.0")
        let v3 = try fixture.push("v2 while the data folder is full")
        try await Task.sleep(for: .seconds(4))
        let whileFull = await fixture.deployments("hello")
        #expect(whileFull.first?["commit"] as? String != v3.hex || whileFull.first?["state"] as? String != "SUCCESS")
        #expect(await fixture.version("hello") == "1.0.0", "what runs is untouched")
        #expect(await fixture.text("/healthz") != nil, "the API still answers")
        // The log says why nothing deploys (events cannot: the store is what cannot write).
        #expect(fixture.serverLog.contains("repository apps: "), "\(fixture.serverLog.suffix(3000))")
        try FileManager.default.removeItem(at: filler)
        #expect(await fixture.eventually(60) {
            (await fixture.deployments("hello")).first.map { $0["commit"] as? String == v3.hex && $0["state"] as? String == "SUCCESS" }
                ?? false
        }, "\(fixture.serverLog.suffix(3000))")
        #expect(await fixture.version("hello") == "2.0.0")
        #expect(fixture.serverLog.contains("repository apps: polls work again"))

        // The store is intact, and its event log gap-free.
        let check = try runProcess("python3", ["-c", "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('pragma integrity_check').fetchone()[0])",
                                               data.appendingPathComponent("capstan.sqlite").path])
        #expect(check.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(check)")
        let events = await CrashPointEndToEndTests.allEvents(fixture)
        let sequences = events.compactMap { $0["sequence"] as? Int }
        #expect(!sequences.isEmpty && sequences == Array(1...sequences.count))
    }

    /// A data folder that is read-only when the server starts: it refuses to start and says why, instead of
    /// running without a place for its records; once the folder is writable it starts and deploys.
    /// (A folder turning read-only under a running server cannot be staged here: the kernel refuses to
    /// remount a tmpfs read-only while the store is open for writing, and root ignores permission bits.)
    @Test func aReadOnlyDataFolderStopsTheStartAndSaysWhy() async throws {
        let fixture = try ServeFixture()
        let data = fixture.root.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        #expect(try runProcess("mount", ["-t", "tmpfs", "-o", "size=96m,mode=0700", "tmpfs", data.path]).status == 0)
        defer {
            _ = try? runProcess("umount", ["-l", data.path])
            fixture.tearDown()
        }
        #expect(try runProcess("mount", ["-o", "remount,ro", data.path]).status == 0)
        try fixture.startServer()
        #expect(await fixture.waitForServerExit(seconds: 60), "it must not run without a writable data folder")
        #expect(fixture.serverLog.contains("Read-only file system") || fixture.serverLog.contains("read-only"),
                "\(fixture.serverLog)")
        #expect(await fixture.text("/healthz") == nil)

        #expect(try runProcess("mount", ["-o", "remount,rw", data.path]).status == 0)
        try fixture.startServer()
        #expect(await fixture.eventually { await fixture.version("hello") == "1.0.0" }, "\(fixture.serverLog)")
    }
}
