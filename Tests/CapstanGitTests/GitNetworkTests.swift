import CapstanCore
import CapstanGit
import CapstanTesting
import Foundation
import Testing

/// Remotes over real sockets on loopback: a git daemon, a dead port, a silent listener.
@Suite struct GitNetworkTests {
    @Test func clonesAndFetchesOverGitProtocol() async throws {
        let origin = try GitFixture.create()
        try origin.write("a.txt", "a\n")
        let first = try origin.commit("first")
        let daemon = try GitDaemon(basePath: origin.path.deletingLastPathComponent())
        defer { daemon.stop() }
        let cache = try TempFolder()
        let mirror = try GitMirror(remote: daemon.url(origin.path.lastPathComponent), cacheDirectory: cache.url)
        #expect(mirror.remote.kind == .git)

        let cloned = try await mirror.fetch(timeout: .seconds(20))
        #expect(cloned.cloned && cloned.updates["refs/heads/main"]?.new == first)
        let idle = try await mirror.fetch(timeout: .seconds(20))
        #expect(!idle.changed && idle.receivedObjects == 0)

        try origin.write("b.txt", "b\n")
        let second = try origin.commit("second")
        let moved = try await mirror.fetch(timeout: .seconds(20))
        #expect(moved.updates == ["refs/heads/main": .init(old: first, new: second)])
        #expect(moved.receivedObjects > 0)
        #expect(try await mirror.changedPaths(from: first, to: second) == ["b.txt"])
    }

    @Test func deadPortIsUnreachable() async throws {
        let port = try LoopbackTCP.freePort()
        let cache = try TempFolder()
        let mirror = try GitMirror(remote: "git://127.0.0.1:\(port)/repo.git", cacheDirectory: cache.url)
        let error = await gitError { () throws(GitError) in try await mirror.fetch(timeout: .seconds(20)) }
        #expect(error?.code == .unreachable)
        #expect(error?.remote == "git://127.0.0.1:\(port)/repo.git")
        // A failed clone leaves nothing behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: cache.url.path).isEmpty)
    }

    @Test(arguments: ["/no/such/repository", "file:///no/such/repository"])
    func missingPathIsUnreachable(remote: String) async throws {
        let cache = try TempFolder()
        let mirror = try GitMirror(remote: remote, cacheDirectory: cache.url)
        let error = await gitError { () throws(GitError) in try await mirror.fetch() }
        #expect(error?.code == .unreachable)
    }

    @Test func credentialsNeverReachTheError() async throws {
        let port = try LoopbackTCP.freePort()
        let cache = try TempFolder()
        let remote = "https://alice:s3cr3t-pw@127.0.0.1:\(port)/org/repo.git"
        let mirror = try GitMirror(remote: remote, credentials: .token(token: "tok-123456"), cacheDirectory: cache.url)
        let error = try #require(await gitError { () throws(GitError) in try await mirror.fetch(timeout: .seconds(20)) })
        #expect(error.code == .unreachable)
        #expect(error.remote == "https://127.0.0.1:\(port)/org/repo.git")
        for secret in ["s3cr3t-pw", "alice", "tok-123456"] { #expect(!error.description.contains(secret)) }
    }

    @Test func silentRemoteTimesOutAtOnce() async throws {
        let listener = try SilentListener()
        let cache = try TempFolder()
        let mirror = try GitMirror(remote: "git://127.0.0.1:\(listener.port)/repo.git", cacheDirectory: cache.url)
        let clock = ContinuousClock()
        let start = clock.now
        let error = await gitError { () throws(GitError) in try await mirror.fetch(timeout: .milliseconds(500)) }
        let elapsed = clock.now - start
        #expect(error?.code == .timeout)
        // Without the deadline this call would never return (the listener never answers). The bound
        // only proves that: on 2 cores under a parallel build, test fixtures that run the git CLI
        // synchronously hold the cooperative pool for seconds (seen: 63 s on a loaded runner), so it is
        // not a speed check.
        #expect(elapsed < .seconds(240))

        // The first fetch still holds the mirror's thread: the next call waits within its own deadline.
        let queued = await gitError { () throws(GitError) in try await mirror.resolve("main", timeout: .milliseconds(200)) }
        #expect(queued?.code == .timeout)
        #expect(queued?.message.contains("waiting for an earlier operation") == true)

        // Closing the listener resets the connection; the mirror works again and reports honestly.
        listener.close()
        let after = await gitError { () throws(GitError) in try await mirror.fetch(timeout: .seconds(10)) }
        #expect(after?.code == .unreachable)
    }

    @Test func cancellationIsReported() async throws {
        let listener = try SilentListener()
        defer { listener.close() }
        let cache = try TempFolder()
        let mirror = try GitMirror(remote: "git://127.0.0.1:\(listener.port)/repo.git", cacheDirectory: cache.url)
        let task = Task { try await mirror.fetch(timeout: .seconds(30)) }
        try await Task.sleep(for: .milliseconds(100))
        task.cancel()
        let result = await task.result
        guard case .failure(let error) = result else {
            Issue.record("a cancelled fetch of a silent remote succeeded")
            return
        }
        #expect((error as? GitError)?.code == .cancelled)
    }
}
