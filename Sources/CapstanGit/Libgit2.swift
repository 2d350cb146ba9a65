import CLibGit2
import CapstanCore
import Foundation

/// Process-wide libgit2 setup.
enum Libgit2 {
    /// A static let runs its initializer exactly once, lazily and thread-safely — so does
    /// `git_libgit2_init`. We never call `git_libgit2_shutdown`: the daemon uses Git until it exits.
    private static let initialized: Bool = {
        let count = git_libgit2_init()
        // Owner validation (safe.directory) is off. It protects people who run git inside
        // folders that another user controls; here every mirror is created by this process
        // in its own cache, GitRepository only opens paths the operator configured, and
        // libgit2 runs no hooks. A daemon whose cache sits on a volume created by a different
        // uid (containers, CI) would otherwise refuse its own mirrors. The option is global
        // to the process, and CapstanGit is the only module that links libgit2.
        _ = capstan_git_set_owner_validation(0)
        // libgit2 caches parsed trees only up to 4 KiB (about 100 entries), so a folder of 10,000 applications
        // was parsed again for every path looked up through it: reading each capstan.yaml of such a repository
        // cost a parse of the whole folder (75 s for a full discovery of 10,000 apps instead of about 1 s).
        // Trees up to `treeCacheLimit` stay parsed in the cache (whose total stays at libgit2's 256 MiB).
        _ = capstan_git_set_cache_object_limit(GIT_OBJECT_TREE, treeCacheLimit)
        return count > 0
    }()

    /// The largest tree kept parsed in libgit2's object cache: 16 MiB, a folder of some 400,000 entries.
    static let treeCacheLimit = 16 << 20

    /// Bytes of parsed objects in libgit2's cache now (for tests).
    static var cachedMemory: Int { Int(capstan_git_cached_memory()) }

    /// Call before any libgit2 use; cheap after the first call.
    static func ensureInitialized() {
        _ = initialized
    }
}

/// Owns one `git_repository*`. Not Sendable: only the worker queue that owns it touches it.
final class RepositoryHandle {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        git_repository_free(pointer)
    }

    /// Opens the repository at exactly `path` (no search upward), bare or not.
    static func open(_ path: String, context: GitContext, code: GitError.Code) throws(GitError) -> RepositoryHandle {
        Libgit2.ensureInitialized()
        var repo: OpaquePointer?
        let flags = GIT_REPOSITORY_OPEN_NO_SEARCH.rawValue
        let rc = git_repository_open_ext(&repo, path, flags, nil)
        guard rc == 0, let repo else {
            throw context.failure(rc, "open", code: code)
        }
        return RepositoryHandle(repo)
    }
}

extension CommitID {
    /// The libgit2 form of this id.
    var oid: git_oid {
        var oid = git_oid()
        hex.withCString { _ = git_oid_fromstrn(&oid, $0, 40) }
        return oid
    }

    /// Formats with `git_oid_fmt` into our own buffer (`git_oid_tostr_s` uses per-thread storage).
    init(oid: UnsafePointer<git_oid>) {
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_fmt(&buffer, oid)
        // git_oid_fmt always writes 40 lowercase hex digits.
        self = CommitID(String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self))!
    }
}

/// Paths and names from libgit2 are bytes. They are decoded leniently: invalid UTF-8 becomes
/// U+FFFD, so a non-UTF-8 path never crashes us, but it cannot be read back by that name.
func lossyString(_ pointer: UnsafePointer<CChar>?) -> String {
    guard let pointer else { return "" }
    let bytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
    return String(decoding: bytes, as: UTF8.self)
}

/// Runs `body` with a C `git_strarray` of copies of `strings`, freed afterwards.
func withStrArray<T>(_ strings: [String], _ body: (UnsafePointer<git_strarray>) throws(GitError) -> T) throws(GitError) -> T {
    let copies: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    var array = copies
    return try array.withUnsafeMutableBufferPointer { (buffer) throws(GitError) -> T in
        var strarray = git_strarray(strings: buffer.baseAddress, count: buffer.count)
        return try body(&strarray)
    }
}

/// Facts about the libgit2 this build links, for `capstan version` and bug reports.
public enum GitLibrary {
    /// The linked libgit2's version, e.g. `1.5.1`.
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        git_libgit2_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}
