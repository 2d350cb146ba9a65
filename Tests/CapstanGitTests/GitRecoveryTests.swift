import CapstanCore
import CapstanGit
import CapstanTesting
import Foundation
import Testing

/// A damaged mirror is deleted and cloned again, once, by the next fetch.
@Suite struct GitRecoveryTests {
    /// Overwrites every file under `folder` with garbage (object files are read-only, so replace them).
    private func scramble(_ folder: URL) throws {
        let files = FileManager.default
        guard let walker = files.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]) else { return }
        for case let file as URL in walker where (try file.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            try files.removeItem(at: file)
            try Data("garbage\0garbage".utf8).write(to: file)
        }
    }

    @Test(arguments: ["HEAD", "objects", "both"], [false, true])
    func corruptMirrorIsReclonedOnFetch(damage: String, restart: Bool) async throws {
        let setup = try MirrorSetup()
        _ = try await setup.mirror.fetch()
        try setup.origin.write("new.txt", "new\n")
        let second = try setup.origin.commit("second")

        if damage != "objects" { try Data("garbage".utf8).write(to: setup.mirror.directory.appendingPathComponent("HEAD")) }
        if damage != "HEAD" { try scramble(setup.mirror.directory.appendingPathComponent("objects")) }
        // Damage found while running (the open handle still sees deleted files) or after a restart.
        let mirror: GitMirror = restart ? try setup.restarted() : setup.mirror

        let result = try await mirror.fetch()
        #expect(result.cloned)
        #expect(result.recoveredFrom?.code == .corruptMirror)
        #expect(result.updates["refs/heads/main"]?.new == second)
        #expect(try await mirror.resolve("main") == second)
        #expect(try await mirror.readFile("new.txt", at: second) == Data("new\n".utf8))
        let idle = try await mirror.fetch()
        #expect(!idle.changed && !idle.cloned, "\(idle)")
    }

    @Test func readsOfADamagedMirrorSayCorruptUntilTheNextFetch() async throws {
        let setup = try MirrorSetup()
        _ = try await setup.mirror.fetch()
        try scramble(setup.mirror.directory.appendingPathComponent("objects"))
        let mirror = try setup.restarted()
        let error = await gitError { () throws(GitError) in try await mirror.resolve("main") }
        #expect(error?.code == .corruptMirror, "\(String(describing: error))")
        let result = try await mirror.fetch()
        #expect(result.recoveredFrom?.code == .corruptMirror)
        #expect(try await mirror.resolve("main") == setup.first)
    }

    @Test func mirrorDeletedUnderARunningProcessIsClonedAgain() async throws {
        let setup = try MirrorSetup()
        _ = try await setup.mirror.fetch()
        try FileManager.default.removeItem(at: setup.mirror.directory)
        let result = try await setup.mirror.fetch()
        #expect(result.cloned && result.recoveredFrom?.code == .corruptMirror)
        #expect(try await setup.mirror.resolve("main") == setup.first)
    }

    @Test func strayFilesInTheMirrorFolderAreReplaced() async throws {
        let setup = try MirrorSetup()
        try FileManager.default.createDirectory(at: setup.mirror.directory, withIntermediateDirectories: true)
        try Data("not a repository".utf8).write(to: setup.mirror.directory.appendingPathComponent("junk"))
        let result = try await setup.mirror.fetch()
        #expect(result.cloned && result.recoveredFrom?.code == .corruptMirror)
        #expect(try await setup.mirror.resolve("main") == setup.first)
    }
}
