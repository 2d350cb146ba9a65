import CapstanCore
import CapstanGit
import CapstanTesting
import Foundation
import Testing

/// Reading files, trees and diffs at commits of a local repository.
@Suite struct GitReadTests {
    @Test func thousandFilesInOneCommit() async throws {
        let origin = try GitFixture.create()
        try origin.write("seed.txt", "seed\n")
        let base = try origin.commit("seed")
        for folder in 0..<10 {
            for file in 0..<100 { try origin.write("d\(folder)/f\(file).txt", "\(folder)-\(file)\n") }
        }
        let big = try origin.commit("a thousand files")
        let repo = try GitRepository(path: origin.path)
        #expect(try await repo.files(at: big).count == 1_001)
        #expect(try await repo.changedPaths(from: base, to: big).count == 1_000)
        #expect(try await repo.readFile("d7/f42.txt", at: big) == Data("7-42\n".utf8))
    }

    @Test func binaryFileComesBackByteForByte() async throws {
        let origin = try GitFixture.create()
        let bytes = Data([0x00, 0xff, 0x00, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00] + (0...255).map(UInt8.init))
        try origin.write("assets/logo.bin", data: bytes)
        try origin.write("empty.txt", "")
        let commit = try origin.commit("binary")
        let repo = try GitRepository(path: origin.path)
        #expect(try await repo.readFile("assets/logo.bin", at: commit) == bytes)
        #expect(try await repo.readFile("empty.txt", at: commit) == Data())
    }

    @Test(arguments: ["missing.txt", "assets", "assets/", "", "/abs", "assets/logo.bin/inner"])
    func readFileIsNilWhenThereIsNoFile(path: String) async throws {
        let origin = try GitFixture.create()
        try origin.write("assets/logo.bin", "x")
        let commit = try origin.commit("one")
        let repo = try GitRepository(path: origin.path)
        #expect(try await repo.readFile(path, at: commit) == nil)
    }

    @Test func nonUTF8PathIsDecodedLossily() async throws {
        let origin = try GitFixture.create()
        try origin.write("plain.txt", "plain\n")
        let base = try origin.commit("plain")
        // Swift strings cannot name this file, so python writes it.
        let made = try runProcess("python3", ["-c", "open(b'caf\\xe9-\\xff.txt', 'wb').write(b'latin-1 name')"], cwd: origin.path)
        #expect(made.status == 0, "\(made.stderr)")
        let commit = try origin.commit("latin-1 name")
        let repo = try GitRepository(path: origin.path)
        let lossy = "caf\u{FFFD}-\u{FFFD}.txt"
        #expect(try await repo.files(at: commit).sorted() == [lossy, "plain.txt"])
        #expect(try await repo.changedPaths(from: base, to: commit) == [lossy])
        #expect(try await repo.readFile(lossy, at: commit) == nil)  // the lossy name does not round-trip
    }

    @Test func renameCountsAsBothPaths() async throws {
        let origin = try GitFixture.create()
        try origin.write("apps/a/util.py", String(repeating: "print('same content')\n", count: 20))
        try origin.write("keep.txt", "keep\n")
        let base = try origin.commit("base")
        try origin.move("apps/a/util.py", "apps/c/util.py")
        let renamed = try origin.commit("rename")
        let repo = try GitRepository(path: origin.path)
        #expect(try await repo.changedPaths(from: base, to: renamed) == ["apps/a/util.py", "apps/c/util.py"])
        #expect(try await repo.changedPaths(from: renamed, to: base) == ["apps/a/util.py", "apps/c/util.py"])
        #expect(try await repo.changedPaths(from: base, to: base).isEmpty)
    }

    @Test func symlinksAreFilesAndSubmodulesAreNot() async throws {
        let origin = try GitFixture.create()
        try origin.write("target.txt", "target\n")
        let link = try runProcess("ln", ["-s", "target.txt", "link.txt"], cwd: origin.path)
        #expect(link.status == 0)
        try origin.git("add", "-A")
        try origin.git("update-index", "--add", "--cacheinfo", "160000,\(String(repeating: "a", count: 40)),vendor/lib")
        try origin.git("commit", "-q", "-m", "link and gitlink")
        let commit = try #require(CommitID(try origin.git("rev-parse", "HEAD")))
        #expect(try origin.git("ls-tree", "-r", "--name-only", "HEAD").contains("vendor/lib"))
        let repo = try GitRepository(path: origin.path)
        #expect(try await repo.files(at: commit).sorted() == ["link.txt", "target.txt"])
        #expect(try await repo.readFile("link.txt", at: commit) == Data("target.txt".utf8))
        #expect(try await repo.readFile("vendor/lib", at: commit) == nil)
    }

    @Test func treeIsASourceTree() async throws {
        let origin = try GitFixture.create()
        try origin.write("apps/web/capstan.yaml", "name: web\n")
        let commit = try origin.commit("one app")
        let repo = try GitRepository(path: origin.path)
        let tree: any SourceTree = repo.tree(at: commit)
        #expect(try await tree.files() == ["apps/web/capstan.yaml"])
        #expect(try await tree.read("apps/web/capstan.yaml") == Data("name: web\n".utf8))
        #expect(try await tree.read("nope") == nil)
    }

    @Test func opensBareRepositoriesAndTheGitFolder() async throws {
        let origin = try GitFixture.create()
        try origin.write("a.txt", "a\n")
        let commit = try origin.commit("a")
        let bare = origin.path.appendingPathExtension("bare")
        defer { try? FileManager.default.removeItem(at: bare) }
        _ = try runProcess("git", ["clone", "-q", "--bare", origin.path.path, bare.path])
        for path in [bare, origin.path.appendingPathComponent(".git")] {
            let repo = try GitRepository(path: path)
            #expect(try await repo.resolve("main") == commit)
        }
    }

    /// Owner validation (safe.directory) is off: a repository owned by another user opens.
    @Test(.enabled(if: getuid() == 0, "needs root to hand the repository to another user"))
    func repositoryOwnedByAnotherUserOpens() async throws {
        let origin = try GitFixture.create()
        try origin.write("a.txt", "a\n")
        let commit = try origin.commit("a")
        let chown = try runProcess("chown", ["-R", "65534:65534", origin.path.path])
        #expect(chown.status == 0, "\(chown.stderr)")
        let repo = try GitRepository(path: origin.path)
        #expect(try await repo.resolve("main") == commit)
    }

    @Test func unknownCommitAndMissingRepository() async throws {
        let origin = try GitFixture.create()
        try origin.write("a.txt", "a\n")
        let commit = try origin.commit("a")
        let repo = try GitRepository(path: origin.path)
        let stranger = try #require(CommitID(String(repeating: "1", count: 40)))
        let error = await gitError { () throws(GitError) in try await repo.files(at: stranger) }
        #expect(error?.code == .refNotFound)
        #expect(await gitError { () throws(GitError) in try await repo.changedPaths(from: stranger, to: commit) }?.code == .refNotFound)

        let missing = origin.path.appendingPathComponent("no-such-folder")
        #expect(throws: GitError.self) { try GitRepository(path: missing) }
        do {
            _ = try GitRepository(path: missing)
        } catch {
            #expect(error.code == .unreachable)
            #expect(error.remote == missing.path)
        }
    }
}

/// `changedPaths` agrees with `git diff --name-only --no-renames` on every kind of change.
@Suite struct GitTreeDiffTests {
    @Test func agreesWithGitOnEveryKindOfChange() async throws {
        let origin = try GitFixture.create()
        try origin.write("keep/a.txt", "a\n")
        try origin.write("keep/deep/b.txt", "b\n")
        try origin.write("edit/c.txt", "c\n")
        try origin.write("gone/d.txt", "d\n")
        try origin.write("gone/deeper/e.txt", "e\n")
        try origin.write("becomes-folder", "file\n")
        try origin.write("becomes-file/f.txt", "f\n")
        try origin.write("script.sh", "echo hi\n")
        try origin.write("rename/old.txt", String(repeating: "same\n", count: 50))
        let base = try origin.commit("base")

        try origin.write("edit/c.txt", "c2\n")
        try origin.remove("gone")
        try origin.remove("becomes-folder")
        try origin.write("becomes-folder/inside.txt", "inside\n")
        try origin.remove("becomes-file")
        try origin.write("becomes-file", "now a file\n")
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: origin.path.appendingPathComponent("script.sh").path)
        try origin.move("rename/old.txt", "rename/new.txt")
        try origin.write("added/x/y/z.txt", "z\n")
        try origin.git("add", "-A")
        // A submodule entry (gitlink) with no checkout: staged by hand, committed without `add -A`.
        try origin.git("update-index", "--add", "--cacheinfo", "160000,\(String(repeating: "b", count: 40)),added/module")
        try origin.git("commit", "-q", "-m", "every kind of change")
        let changed = try #require(CommitID(try origin.git("rev-parse", "HEAD")))

        let repo = try GitRepository(path: origin.path)
        for (from, to) in [(base, changed), (changed, base)] {
            let git = try origin.git("diff", "--name-only", "--no-renames", from.hex, to.hex).split(separator: "\n").map(String.init).sorted()
            #expect(try await repo.changedPaths(from: from, to: to) == git)
        }
        #expect(try await repo.changedPaths(from: base, to: changed).contains("script.sh"))
        #expect(try await repo.changedPaths(from: base, to: changed).contains("added/module"))
    }
}
