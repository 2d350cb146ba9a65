public import CapstanCore
public import Foundation

/// Reading a repository at commits: what `GitMirror` and `GitRepository` share.
///
/// Every call runs on the repository's own thread with a deadline; the short forms use
/// `defaultTimeout`. Paths are repository-relative and `/`-separated. Git stores names as
/// bytes: a name that is not valid UTF-8 comes back with U+FFFD in place of the bad bytes
/// (never a crash), and such a path cannot be read back by that name.
public protocol GitReadable: Sendable {
    /// The commit a branch (refs/heads), tag (refs/tags), "HEAD", full ref name or full or
    /// abbreviated commit id names — tried in that order. Revision expressions (`main~1`) are refused.
    func resolve(_ revision: String, timeout: Duration) async throws(GitError) -> CommitID
    /// Every file (blob or symlink; not submodules) at `commit`.
    func files(at commit: CommitID, timeout: Duration) async throws(GitError) -> [String]
    /// The bytes of the file at `path` in `commit`; nil when there is none (or it is a folder).
    func readFile(_ path: String, at commit: CommitID, timeout: Duration) async throws(GitError) -> Data?
    /// Paths added, removed or modified between two commits, sorted and unique. Renames are not
    /// detected, so a rename lists both its old and its new path.
    func changedPaths(from old: CommitID, to new: CommitID, timeout: Duration) async throws(GitError) -> [String]
    /// The files of `commit` as a `SourceTree` whose calls each use `timeout`.
    func tree(at commit: CommitID, timeout: Duration) -> GitTree
}

extension GitReadable {
    /// The deadline of the short forms: reads are local, but may wait behind a fetch.
    public static var defaultTimeout: Duration { .seconds(60) }

    /// `resolve(_:timeout:)` with `defaultTimeout`.
    public func resolve(_ revision: String) async throws(GitError) -> CommitID {
        try await resolve(revision, timeout: Self.defaultTimeout)
    }

    /// `files(at:timeout:)` with `defaultTimeout`.
    public func files(at commit: CommitID) async throws(GitError) -> [String] {
        try await files(at: commit, timeout: Self.defaultTimeout)
    }

    /// `readFile(_:at:timeout:)` with `defaultTimeout`.
    public func readFile(_ path: String, at commit: CommitID) async throws(GitError) -> Data? {
        try await readFile(path, at: commit, timeout: Self.defaultTimeout)
    }

    /// `changedPaths(from:to:timeout:)` with `defaultTimeout`.
    public func changedPaths(from old: CommitID, to new: CommitID) async throws(GitError) -> [String] {
        try await changedPaths(from: old, to: new, timeout: Self.defaultTimeout)
    }

    /// `tree(at:timeout:)` with `defaultTimeout`.
    public func tree(at commit: CommitID) -> GitTree {
        tree(at: commit, timeout: Self.defaultTimeout)
    }
}
