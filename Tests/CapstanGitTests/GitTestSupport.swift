import CapstanCore
import CapstanGit
import CapstanTesting
import Foundation

/// A temporary cache folder for mirrors, removed when released.
final class TempFolder: Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-cache-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}

/// A remote fixture with one commit on main, and a mirror of it in a fresh cache.
final class MirrorSetup {
    let origin: GitFixture
    let cache: TempFolder
    let first: CommitID
    let remote: String
    private(set) var mirror: GitMirror!

    init(remote: (GitFixture) -> String = { $0.path.path }) throws {
        origin = try GitFixture.create()
        try origin.write("README.md", "hello\n")
        try origin.write("app/capstan.yaml", "name: app\n")
        first = try origin.commit("first")
        cache = try TempFolder()
        self.remote = remote(origin)
        mirror = try GitMirror(remote: self.remote, cacheDirectory: cache.url)
    }

    /// Drops the mirror (and with it the open repository handle) and makes a new one for the
    /// same folder, as a process restart would.
    func restarted() throws -> GitMirror {
        mirror = nil
        mirror = try GitMirror(remote: remote, cacheDirectory: cache.url)
        return mirror
    }
}

/// Runs `body` and returns the GitError it throws, or nil when it succeeds.
func gitError<T>(_ body: () async throws(GitError) -> T) async -> GitError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error
    }
}
