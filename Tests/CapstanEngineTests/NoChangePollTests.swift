import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanTesting
import Foundation
import Synchronization
import Testing

/// A poll that finds no new commit walks no tree: the reconciler fetches, resolves the branch, and stops.
@Suite struct NoChangePollTests {
    /// A mirror that counts what the reconciler asks of it.
    final class CountingSource: MirroredSource {
        let mirror: GitMirror
        let calls = Mutex<[String: Int]>([:])

        init(_ mirror: GitMirror) {
            self.mirror = mirror
        }

        func take() -> [String: Int] {
            calls.withLock { calls in
                defer { calls = [:] }
                return calls
            }
        }

        private func count(_ call: String) {
            calls.withLock { $0[call, default: 0] += 1 }
        }

        func fetch(timeout: Duration) async throws(GitError) -> FetchResult {
            count("fetch")
            return try await mirror.fetch(timeout: timeout)
        }

        func resolve(_ revision: String, timeout: Duration) async throws(GitError) -> CommitID {
            count("resolve")
            return try await mirror.resolve(revision, timeout: timeout)
        }

        func files(at commit: CommitID, timeout: Duration) async throws(GitError) -> [String] {
            count("files")
            return try await mirror.files(at: commit, timeout: timeout)
        }

        func readFile(_ path: String, at commit: CommitID, timeout: Duration) async throws(GitError) -> Data? {
            count("readFile")
            return try await mirror.readFile(path, at: commit, timeout: timeout)
        }

        func changedPaths(from old: CommitID, to new: CommitID, timeout: Duration) async throws(GitError) -> [String] {
            count("changedPaths")
            return try await mirror.changedPaths(from: old, to: new, timeout: timeout)
        }

        func tree(at commit: CommitID, timeout: Duration) -> GitTree {
            count("tree")
            return mirror.tree(at: commit, timeout: timeout)
        }
    }

    @Test func aPollWithNoNewCommitReadsNoTreeAndNoConfig() async throws {
        let repo = try GitFixture.create()
        defer { repo.delete() }
        try repo.write("apps/web/capstan.yaml", RepositoryReconcilerTests.app("web"))
        try repo.write("apps/web/service.yaml", RepositoryReconcilerTests.service)
        try repo.commit("one app")
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-poll-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let source = CountingSource(try GitMirror(remote: repo.path.path, cacheDirectory: cache))
        let store = MemoryDeploymentStore()
        let reconciler = RepositoryReconciler(repository: RepositoryConfig(name: "apps", url: repo.path.path),
                                              source: source, store: store)

        let first = try await reconciler.reconcile()
        #expect(first.created.count == 1 && !first.unchanged)
        let planned = source.take()
        #expect(planned["tree", default: 0] > 0, "the first reconcile discovers the applications: \(planned)")

        for _ in 0..<3 {
            let again = try await reconciler.reconcile()
            #expect(again.unchanged && again.created.isEmpty && again.error == nil)
            let calls = source.take()
            #expect(calls["fetch"] == 1, "\(calls)")
            #expect(calls.keys.allSatisfy { $0 == "fetch" || $0 == "resolve" }, "a no-change poll read the tree: \(calls)")
        }

        // A new commit is walked again: the short-circuit is about the head, not about having polled before.
        try repo.write("apps/web/service.yaml", RepositoryReconcilerTests.service + "replicas: 2\n")
        try repo.commit("two replicas")
        let moved = try await reconciler.reconcile()
        #expect(!moved.unchanged)
        #expect(source.take()["tree", default: 0] > 0)
    }
}
