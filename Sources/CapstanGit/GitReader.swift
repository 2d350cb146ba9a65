import CLibGit2
import CapstanCore
import Foundation

/// The read side, shared by mirrors and local repositories. Every function runs on the
/// worker queue that owns `repo`, and frees what libgit2 hands back before returning.
struct GitReader {
    let repo: OpaquePointer
    let context: GitContext

    /// Branch (refs/heads), then tag (refs/tags), then a full or abbreviated commit id;
    /// "HEAD" and full names ("refs/...") are looked up as given. No revparse syntax
    /// (`main~1`, `:/text`), so a revision from configuration cannot trigger a history walk.
    func resolve(_ revision: String) throws(GitError) -> CommitID {
        let operation = "resolve \(revision)"
        let names = revision == "HEAD" || revision.hasPrefix("refs/")
            ? [revision] : ["refs/heads/\(revision)", "refs/tags/\(revision)"]
        for name in names where !revision.isEmpty {
            var ref: OpaquePointer?
            let rc = git_reference_lookup(&ref, repo, name)
            if rc == GIT_ENOTFOUND.rawValue || rc == GIT_EINVALIDSPEC.rawValue { continue }
            guard rc == 0, let ref else { throw context.failure(rc, operation, phase: .read) }
            defer { git_reference_free(ref) }
            // A symbolic ref to a branch that does not exist (HEAD of an empty repository) names nothing.
            var direct: OpaquePointer?
            let resolved = git_reference_resolve(&direct, ref)
            guard resolved == 0, let direct else { throw context.failure(resolved, operation, phase: .read, prefix: "\(name) names no commit") }
            defer { git_reference_free(direct) }
            var commit: OpaquePointer?
            let peeled = git_reference_peel(&commit, direct, GIT_OBJECT_COMMIT)
            if peeled == GIT_ENOTFOUND.rawValue {
                // The ref exists but the object it names does not: the repository is damaged.
                throw context.failure(peeled, operation, code: .corruptMirror)
            }
            guard peeled == 0, let commit else { throw context.failure(peeled, operation, phase: .read, prefix: "\(name) does not point to a commit") }
            defer { git_object_free(commit) }
            return CommitID(oid: git_object_id(commit))
        }
        let hex = revision.utf8
        if (4...40).contains(hex.count), hex.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) || (65...70).contains($0) }) {
            var prefix = git_oid()
            _ = git_oid_fromstrn(&prefix, revision, hex.count)
            var object: OpaquePointer?
            let rc = git_object_lookup_prefix(&object, repo, &prefix, hex.count, GIT_OBJECT_ANY)
            guard rc == 0, let object else { throw context.failure(rc, operation, phase: .read, prefix: "no commit \(revision)") }
            defer { git_object_free(object) }
            var commit: OpaquePointer?
            let peeled = git_object_peel(&commit, object, GIT_OBJECT_COMMIT)
            guard peeled == 0, let commit else { throw context.failure(peeled, operation, phase: .read, prefix: "\(revision) is not a commit") }
            defer { git_object_free(commit) }
            return CommitID(oid: git_object_id(commit))
        }
        throw context.error(.refNotFound, operation, "no branch, tag or commit named '\(revision)'")
    }

    /// Every blob (files and symlinks, not submodules) in the commit's tree.
    func files(at commit: CommitID) throws(GitError) -> [String] {
        let operation = "list files at \(commit.short)"
        return try withTree(of: commit, operation) { (tree) throws(GitError) -> [String] in
            try walk(tree, operation, includeSubmodules: false).map { String(decoding: $0, as: UTF8.self) }
        }
    }

    /// The file's bytes; nil when there is no file at `path` (absent, or a folder or submodule).
    func readFile(_ path: String, at commit: CommitID) throws(GitError) -> Data? {
        let operation = "read \(path) at \(commit.short)"
        return try withTree(of: commit, operation) { (tree) throws(GitError) -> Data? in
            guard !path.isEmpty, !path.hasPrefix("/") else { return nil }
            var entry: OpaquePointer?
            let rc = git_tree_entry_bypath(&entry, tree, path)
            if rc == GIT_ENOTFOUND.rawValue { return nil }
            guard rc == 0, let entry else { throw context.failure(rc, operation, phase: .read) }
            defer { git_tree_entry_free(entry) }
            guard git_tree_entry_type(entry) == GIT_OBJECT_BLOB else { return nil }
            var blob: OpaquePointer?
            let found = git_blob_lookup(&blob, repo, git_tree_entry_id(entry))
            // The tree names this blob, so a missing blob means a damaged repository.
            guard found == 0, let blob else { throw context.failure(found, operation, code: .corruptMirror) }
            defer { git_blob_free(blob) }
            let size = Int(git_blob_rawsize(blob))
            guard size > 0, let bytes = git_blob_rawcontent(blob) else { return Data() }
            return Data(bytes: bytes, count: size)  // copied before the blob is freed
        }
    }

    /// The first prefix of `path` (a folder on the way, or the file) whose tree entry is a symbolic link.
    func symlink(on path: String, at commit: CommitID) throws(GitError) -> String? {
        let operation = "read \(path) at \(commit.short)"
        return try withTree(of: commit, operation) { (tree) throws(GitError) -> String? in
            var prefix = ""
            for part in path.split(separator: "/") {
                prefix += (prefix.isEmpty ? "" : "/") + part
                var entry: OpaquePointer?
                let rc = git_tree_entry_bypath(&entry, tree, prefix)
                if rc == GIT_ENOTFOUND.rawValue { return nil }
                guard rc == 0, let entry else { throw context.failure(rc, operation, phase: .read) }
                defer { git_tree_entry_free(entry) }
                if git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK { return prefix }
            }
            return nil
        }
    }

    /// Paths that differ between two commits, sorted and unique (see `GitTreeDiff`).
    func changedPaths(from old: CommitID, to new: CommitID) throws(GitError) -> [String] {
        let operation = "diff \(old.short)..\(new.short)"
        return try withTree(of: old, operation) { (oldTree) throws(GitError) -> [String] in
            try withTree(of: new, operation) { (newTree) throws(GitError) -> [String] in
                var diff = GitTreeDiff(reader: self, operation: operation)
                try diff.compare(oldTree, newTree, prefix: [])
                return Set(diff.paths.map { String(decoding: $0, as: UTF8.self) }).sorted()
            }
        }
    }

    /// Branch and tag tips peeled to commits; refs that do not lead to a commit are skipped.
    /// A ref whose object is missing or unreadable means the mirror is damaged.
    func refTips() throws(GitError) -> [String: CommitID] {
        var iterator: OpaquePointer?
        let rc = git_reference_iterator_new(&iterator, repo)
        guard rc == 0, let iterator else { throw context.failure(rc, "list refs", code: .corruptMirror) }
        defer { git_reference_iterator_free(iterator) }
        var tips: [String: CommitID] = [:]
        while true {
            var ref: OpaquePointer?
            let next = git_reference_next(&ref, iterator)
            if next == GIT_ITEROVER.rawValue { break }
            guard next == 0, let ref else { throw context.failure(next, "list refs", code: .corruptMirror) }
            defer { git_reference_free(ref) }
            let name = lossyString(git_reference_name(ref))
            guard name.hasPrefix("refs/heads/") || name.hasPrefix("refs/tags/") else { continue }
            var commit: OpaquePointer?
            let peeled = git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT)
            if peeled == GIT_EPEEL.rawValue || peeled == GIT_EINVALIDSPEC.rawValue { continue }
            guard peeled == 0, let commit else { throw context.failure(peeled, "read \(name)", code: .corruptMirror) }
            defer { git_object_free(commit) }
            tips[name] = CommitID(oid: git_object_id(commit))
        }
        return tips
    }

    // MARK: - Helpers

    /// Looks up the commit and its tree, runs `body`, and frees both.
    private func withTree<T>(of id: CommitID, _ operation: String, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var oid = id.oid
        var commit: OpaquePointer?
        let rc = git_commit_lookup(&commit, repo, &oid)
        guard rc == 0, let commit else { throw context.failure(rc, operation, phase: .read, prefix: "commit \(id.short) is not in the repository") }
        defer { git_commit_free(commit) }
        var tree: OpaquePointer?
        let treeRC = git_commit_tree(&tree, commit)
        guard treeRC == 0, let tree else { throw context.failure(treeRC, operation, code: .corruptMirror) }
        defer { git_tree_free(tree) }
        return try body(tree)
    }

    /// Looks up a tree that another tree names, runs `body`, and frees it.
    func withTree<T>(id: UnsafePointer<git_oid>, _ operation: String, _ body: (OpaquePointer) throws(GitError) -> T) throws(GitError) -> T {
        var tree: OpaquePointer?
        let rc = git_tree_lookup(&tree, repo, id)
        // A parent tree names this one, so failing to read it means a damaged repository.
        guard rc == 0, let tree else { throw context.failure(rc, operation, code: .corruptMirror) }
        defer { git_tree_free(tree) }
        return try body(tree)
    }

    /// Every blob under `tree` (and submodule, when asked) as a path of raw bytes relative to it.
    func walk(_ tree: OpaquePointer, _ operation: String, includeSubmodules: Bool) throws(GitError) -> [[UInt8]] {
        let collector = PathCollector(includeSubmodules: includeSubmodules)
        let rc = withExtendedLifetime(collector) {
            git_tree_walk(tree, GIT_TREEWALK_PRE, { root, entry, payload in
                guard let entry, let payload else { return -1 }
                Unmanaged<PathCollector>.fromOpaque(payload).takeUnretainedValue().visit(root: root, entry: entry)
                return 0
            }, Unmanaged.passUnretained(collector).toOpaque())
        }
        guard rc == 0 else { throw context.failure(rc, operation, phase: .read) }
        return collector.paths
    }
}

/// Collects tree-walk results; passed to the C callback as an unretained payload.
private final class PathCollector {
    let includeSubmodules: Bool
    private(set) var paths: [[UInt8]] = []

    init(includeSubmodules: Bool) {
        self.includeSubmodules = includeSubmodules
    }

    func visit(root: UnsafePointer<CChar>?, entry: OpaquePointer) {
        let type = git_tree_entry_type(entry)
        guard type == GIT_OBJECT_BLOB || (includeSubmodules && type == GIT_OBJECT_COMMIT) else { return }
        paths.append(GitTreeDiff.bytes(root) + GitTreeDiff.bytes(git_tree_entry_name(entry)))
    }
}
