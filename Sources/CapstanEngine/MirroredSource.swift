public import CapstanGit

/// A repository the reconciler can refresh and read: a `GitMirror` in production and in tests
/// (tests build real repositories), or anything else that speaks Git.
public protocol MirroredSource: GitReadable {
    /// Brings the mirror up to date with its remote.
    func fetch(timeout: Duration) async throws(GitError) -> FetchResult
}

extension GitMirror: MirroredSource {}
