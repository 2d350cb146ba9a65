public import CapstanCore
public import Foundation

/// One commit of a Git repository seen as a `SourceTree`.
public struct GitTree: SourceTree {
    /// The commit whose files this tree shows.
    public let commit: CommitID
    let source: any GitReading
    let timeout: Duration

    /// Every file (blob or symlink) at the commit; names are decoded leniently (see `GitRepository`).
    public func files() async throws -> [String] {
        try await source.files(at: commit, timeout: timeout)
    }

    /// The file's bytes, or nil when there is no file at `path`.
    public func read(_ path: String) async throws -> Data? {
        try await source.readFile(path, at: commit, timeout: timeout)
    }

    /// The first part of `path` committed as a symbolic link (mode 120000), or nil.
    public func symlink(on path: String) async throws -> String? {
        try await source.symlink(on: path, at: commit, timeout: timeout)
    }
}

/// The read operations a `GitTree` needs, served by mirrors and local repositories alike.
protocol GitReading: Sendable {
    func files(at commit: CommitID, timeout: Duration) async throws(GitError) -> [String]
    func readFile(_ path: String, at commit: CommitID, timeout: Duration) async throws(GitError) -> Data?
    func symlink(on path: String, at commit: CommitID, timeout: Duration) async throws(GitError) -> String?
}

/// A worker session that can hand out a repository to read.
protocol ReadableSession: AnyObject, SendableMetatype {
    func reader(_ context: GitContext) throws(GitError) -> GitReader
}

/// The read API over a worker, written once for `GitMirror` and `GitRepository`.
struct GitReadAPI<Session: ReadableSession>: GitReading {
    let worker: GitWorker<Session>
    let context: GitContext

    func resolve(_ revision: String, timeout: Duration) async throws(GitError) -> CommitID {
        try await worker.run("resolve \(revision)", context: context, timeout: timeout) { [context] (session, _) throws(GitError) in
            try session.reader(context).resolve(revision)
        }
    }

    func files(at commit: CommitID, timeout: Duration) async throws(GitError) -> [String] {
        try await worker.run("list files at \(commit.short)", context: context, timeout: timeout) { [context] (session, _) throws(GitError) in
            try session.reader(context).files(at: commit)
        }
    }

    func readFile(_ path: String, at commit: CommitID, timeout: Duration) async throws(GitError) -> Data? {
        try await worker.run("read \(path) at \(commit.short)", context: context, timeout: timeout) { [context] (session, _) throws(GitError) in
            try session.reader(context).readFile(path, at: commit)
        }
    }

    func symlink(on path: String, at commit: CommitID, timeout: Duration) async throws(GitError) -> String? {
        try await worker.run("read \(path) at \(commit.short)", context: context, timeout: timeout) { [context] (session, _) throws(GitError) in
            try session.reader(context).symlink(on: path, at: commit)
        }
    }

    func changedPaths(from old: CommitID, to new: CommitID, timeout: Duration) async throws(GitError) -> [String] {
        try await worker.run("diff \(old.short)..\(new.short)", context: context, timeout: timeout) { [context] (session, _) throws(GitError) in
            try session.reader(context).changedPaths(from: old, to: new)
        }
    }
}
