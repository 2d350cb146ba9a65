public import CapstanCore
public import Foundation

/// An existing local repository (bare or not), read at commits (`GitReadable`).
public final class GitRepository: GitReadable {
    /// The folder that was opened.
    public let path: URL
    private let reads: GitReadAPI<RepositorySession>

    /// Opens the repository at exactly `path` (its work tree or its git folder; no upward
    /// search). A quick local open, done now so a wrong path fails here.
    public init(path: URL) throws(GitError) {
        let context = GitContext(remote: path.path)
        let handle = try RepositoryHandle.open(path.path, context: context, code: .unreachable)
        self.path = path
        let worker = GitWorker(label: "repository", session: RepositorySession(handle))
        self.reads = GitReadAPI(worker: worker, context: context)
    }

    // MARK: - GitReadable (documented on the protocol)

    public func resolve(_ revision: String, timeout: Duration) async throws(GitError) -> CommitID {
        try await reads.resolve(revision, timeout: timeout)
    }

    public func files(at commit: CommitID, timeout: Duration) async throws(GitError) -> [String] {
        try await reads.files(at: commit, timeout: timeout)
    }

    public func readFile(_ path: String, at commit: CommitID, timeout: Duration) async throws(GitError) -> Data? {
        try await reads.readFile(path, at: commit, timeout: timeout)
    }

    public func changedPaths(from old: CommitID, to new: CommitID, timeout: Duration) async throws(GitError) -> [String] {
        try await reads.changedPaths(from: old, to: new, timeout: timeout)
    }

    public func tree(at commit: CommitID, timeout: Duration) -> GitTree {
        GitTree(commit: commit, source: reads, timeout: timeout)
    }
}

/// The queue-confined state of a `GitRepository`: its open handle.
final class RepositorySession: ReadableSession {
    private let handle: RepositoryHandle

    init(_ handle: RepositoryHandle) {
        self.handle = handle
    }

    func reader(_ context: GitContext) throws(GitError) -> GitReader {
        GitReader(repo: handle.pointer, context: context)
    }
}
