public import CapstanCore
public import Foundation
import Synchronization

/// A bare mirror of one remote in a cache folder: fetched on demand, read at commits (`GitReadable`).
///
/// All operations on one mirror folder run one at a time on its own thread (mirrors built for
/// the same folder in one process share it).
public final class GitMirror: GitReadable {
    /// The remote this mirrors.
    public let remote: GitRemote
    /// The mirror's folder: `cacheDirectory/<host-and-path>-<hash of the redacted remote>`.
    public let directory: URL
    private let credentials: GitCredentials
    private let reads: GitReadAPI<MirrorSession>

    /// Prepares a mirror of `remote`; does no I/O (the first `fetch` clones).
    /// Throws `.invalidRemote` for a remote we cannot parse.
    public init(remote: String, credentials: GitCredentials = .none, cacheDirectory: URL) throws(GitError) {
        let parsed = try GitRemote(remote)
        self.remote = parsed
        self.credentials = credentials
        self.directory = cacheDirectory.appendingPathComponent(parsed.folderName, isDirectory: true)
        let context = GitContext(remote: parsed.redacted, secrets: parsed.secrets + credentials.secrets, rawURL: parsed.url)
        self.reads = GitReadAPI(worker: MirrorRegistry.worker(for: directory), context: context)
    }

    /// Brings the mirror up to date with the remote: clones when absent, re-clones once when
    /// damaged, and prunes branches and tags deleted on the remote. Nothing new costs one
    /// ref advertisement and no object transfer.
    public func fetch(timeout: Duration = .seconds(120)) async throws(GitError) -> FetchResult {
        let remote = self.remote
        let credentials = self.credentials
        let context = reads.context
        return try await reads.worker.run("fetch", context: context, timeout: timeout) { (session, control) throws(GitError) in
            try session.fetch(remote: remote, credentials: credentials, context: context, control: control)
        }
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

/// One worker per mirror folder in the process, so two `GitMirror`s for the same remote
/// never fetch into (or delete and re-clone) the same folder at the same time.
enum MirrorRegistry {
    private struct Entry {
        weak var worker: GitWorker<MirrorSession>?
    }

    private static let workers = Mutex<[String: Entry]>([:])

    static func worker(for directory: URL) -> GitWorker<MirrorSession> {
        let key = directory.standardizedFileURL.path
        return workers.withLock { workers in
            if let existing = workers[key]?.worker { return existing }
            workers = workers.filter { $0.value.worker != nil }
            let worker = GitWorker(label: directory.lastPathComponent, session: MirrorSession(directory: directory))
            workers[key] = Entry(worker: worker)
            return worker
        }
    }
}
