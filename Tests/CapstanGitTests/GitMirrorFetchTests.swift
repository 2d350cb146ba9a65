import CapstanCore
import CapstanGit
import CapstanTesting
import Foundation
import Testing

/// Clone and fetch against real repositories built with the git CLI.
@Suite struct GitMirrorFetchTests {
    @Test(arguments: ["path", "file"])
    func clonesALocalRepository(form: String) async throws {
        let setup = try MirrorSetup { form == "path" ? $0.path.path : "file://" + $0.path.path }
        let result = try await setup.mirror.fetch()
        #expect(result.cloned)
        #expect(result.recoveredFrom == nil)
        #expect(result.updates == ["refs/heads/main": .init(old: nil, new: setup.first)])
        #expect(result.receivedObjects > 0)
        #expect(try await setup.mirror.resolve("main") == setup.first)
        #expect(try await setup.mirror.resolve("HEAD") == setup.first)
        #expect(try await setup.mirror.files(at: setup.first).sorted() == ["README.md", "app/capstan.yaml"])
        #expect(setup.mirror.remote.kind == (form == "path" ? .local : .file))
        #expect(FileManager.default.fileExists(atPath: setup.mirror.directory.appendingPathComponent("HEAD").path))
    }

    @Test func fetchesANewCommit() async throws {
        let setup = try MirrorSetup()
        _ = try await setup.mirror.fetch()
        try setup.origin.write("app/capstan.yaml", "name: app\nreplicas: 2\n")
        let second = try setup.origin.commit("second")

        let result = try await setup.mirror.fetch()
        #expect(result.changed)
        #expect(!result.cloned)
        #expect(result.updates == ["refs/heads/main": .init(old: setup.first, new: second)])
        #expect(result.receivedObjects > 0)
        #expect(try await setup.mirror.resolve("main") == second)
        #expect(try await setup.mirror.changedPaths(from: setup.first, to: second) == ["app/capstan.yaml"])
    }

    @Test func fetchWithNothingNewTransfersNothing() async throws {
        let setup = try MirrorSetup()
        _ = try await setup.mirror.fetch()
        let result = try await setup.mirror.fetch()
        #expect(!result.changed)
        #expect(result.updates.isEmpty)
        #expect(result.receivedObjects == 0)
        #expect(result.receivedBytes == 0)
        #expect(!result.cloned)
    }

    @Test func forcePushMovesTheBranchToTheRewrittenHistory() async throws {
        let setup = try MirrorSetup()
        try setup.origin.write("a.txt", "a\n")
        let doomed = try setup.origin.commit("doomed")
        _ = try await setup.mirror.fetch()
        #expect(try await setup.mirror.resolve("main") == doomed)

        try setup.origin.git("reset", "-q", "--hard", setup.first.hex)
        try setup.origin.write("b.txt", "b\n")
        let rewritten = try setup.origin.commit("rewritten")
        let result = try await setup.mirror.fetch()
        #expect(result.updates["refs/heads/main"] == .init(old: doomed, new: rewritten))
        #expect(try await setup.mirror.resolve("main") == rewritten)
        #expect(try await setup.mirror.files(at: rewritten).contains("a.txt") == false)
    }

    @Test func deletedBranchIsPruned() async throws {
        let setup = try MirrorSetup()
        try setup.origin.git("branch", "feature")
        _ = try await setup.mirror.fetch()
        #expect(try await setup.mirror.resolve("feature") == setup.first)

        try setup.origin.git("branch", "-D", "feature")
        let result = try await setup.mirror.fetch()
        #expect(result.updates == ["refs/heads/feature": .init(old: setup.first, new: nil)])
        let error = await gitError { () throws(GitError) in try await setup.mirror.resolve("feature") }
        #expect(error?.code == .refNotFound)
    }

    @Test func tagsAndCommitIdsResolve() async throws {
        let setup = try MirrorSetup()
        try setup.origin.git("tag", "-a", "v1", "-m", "release 1")
        try setup.origin.git("tag", "light")
        try setup.origin.write("c.txt", "c\n")
        let second = try setup.origin.commit("second")
        let result = try await setup.mirror.fetch()
        #expect(result.updates["refs/tags/v1"]?.new == setup.first)
        #expect(try await setup.mirror.resolve("v1") == setup.first)
        #expect(try await setup.mirror.resolve("light") == setup.first)
        #expect(try await setup.mirror.resolve("refs/tags/v1") == setup.first)
        #expect(try await setup.mirror.resolve(second.hex) == second)
        #expect(try await setup.mirror.resolve(second.short) == second)
        #expect(try await setup.mirror.resolve(second.hex.uppercased()) == second)

        try setup.origin.git("tag", "-d", "light")
        let pruned = try await setup.mirror.fetch()
        #expect(pruned.updates == ["refs/tags/light": .init(old: setup.first, new: nil)])
    }

    @Test(arguments: ["nope", "refs/heads/nope", "deadbeef", String(repeating: "0", count: 40), "main~1", ":/first", ""])
    func unknownRevisionIsRefNotFound(revision: String) async throws {
        let setup = try MirrorSetup()
        _ = try await setup.mirror.fetch()
        let error = await gitError { () throws(GitError) in try await setup.mirror.resolve(revision) }
        #expect(error?.code == .refNotFound)
        #expect(error?.remote == setup.origin.path.path)
    }

    @Test func emptyRemoteClonesToAnEmptyMirror() async throws {
        let origin = try GitFixture.create()
        let cache = try TempFolder()
        let mirror = try GitMirror(remote: origin.path.path, cacheDirectory: cache.url)
        let result = try await mirror.fetch()
        #expect(result.cloned && !result.changed && result.receivedObjects == 0)
        for revision in ["HEAD", "main"] {
            let error = await gitError { () throws(GitError) in try await mirror.resolve(revision) }
            #expect(error?.code == .refNotFound, "\(String(describing: error))")
        }
        try origin.write("a.txt", "a\n")
        let first = try origin.commit("first")
        #expect(try await mirror.fetch().updates == ["refs/heads/main": .init(old: nil, new: first)])
        #expect(try await mirror.resolve("HEAD") == first)
    }

    @Test func readsBeforeTheFirstFetchSaySo() async throws {
        let setup = try MirrorSetup()
        let error = await gitError { () throws(GitError) in try await setup.mirror.resolve("main") }
        #expect(error?.code == .other)
        #expect(error?.message.contains("fetch") == true)
    }

    @Test func mirrorsOfTheSameRemoteShareOneFolder() async throws {
        let setup = try MirrorSetup()
        let twin = try GitMirror(remote: setup.origin.path.path, cacheDirectory: setup.cache.url)
        #expect(twin.directory == setup.mirror.directory)
        async let one = setup.mirror.fetch()
        async let two = twin.fetch()
        let results = try await [one, two]
        #expect(results.filter(\.cloned).count == 1)
        #expect(try await twin.resolve("main") == setup.first)
    }
}
