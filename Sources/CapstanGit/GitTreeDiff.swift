import CLibGit2
import Foundation

/// The paths that differ between two trees, found the way git finds them: a subtree whose id
/// is the same on both sides is skipped without being read.
///
/// libgit2 1.5's `git_diff_tree_to_tree` expands every subtree of both sides instead (about
/// 1 ms for 10,000 files, whatever changed), which is the cost a reconciler pays on every
/// commit. This walk costs in proportion to the folders that changed. No rename detection:
/// a rename is a removal plus an addition, so both paths are reported.
struct GitTreeDiff {
    let reader: GitReader
    let operation: String
    /// Changed paths as raw bytes; decoded (leniently) once at the end.
    private(set) var paths: [[UInt8]] = []

    init(reader: GitReader, operation: String) {
        self.reader = reader
        self.operation = operation
    }

    /// Adds every path that differs between `old` and `new`, both trees under `prefix`.
    ///
    /// Both trees list their entries in git's order (`git_tree_entry_cmp`: by name, a folder as if its name ended
    /// in `/`), so one merge walk pairs them: no lookup by name, and nothing allocated for an unchanged entry.
    /// A folder of 10,000 applications costs a pass over 10,000 id comparisons (it was a binary search and a
    /// path built per entry, about 45 ms). A file and a folder of one name do not pair: the file is reported
    /// removed or added and the folder's files likewise, as git reports a type change.
    mutating func compare(_ old: OpaquePointer, _ new: OpaquePointer, prefix: [UInt8]) throws(GitError) {
        let oldCount = git_tree_entrycount(old), newCount = git_tree_entrycount(new)
        var i = 0, j = 0
        while i < oldCount || j < newCount {
            let before = i < oldCount ? git_tree_entry_byindex(old, i) : nil
            let after = j < newCount ? git_tree_entry_byindex(new, j) : nil
            guard let before else {
                if let after { try addEverything(under: after, path: prefix + Self.bytes(git_tree_entry_name(after))) }
                j += 1
                continue
            }
            guard let after else {
                try addEverything(under: before, path: prefix + Self.bytes(git_tree_entry_name(before)))
                i += 1
                continue
            }
            let order = git_tree_entry_cmp(before, after)
            if order < 0 {
                try addEverything(under: before, path: prefix + Self.bytes(git_tree_entry_name(before)))
                i += 1
                continue
            }
            if order > 0 {
                try addEverything(under: after, path: prefix + Self.bytes(git_tree_entry_name(after)))
                j += 1
                continue
            }
            i += 1
            j += 1
            let oldMode = git_tree_entry_filemode(before)
            let newMode = git_tree_entry_filemode(after)
            if oldMode == newMode, git_oid_equal(git_tree_entry_id(before), git_tree_entry_id(after)) == 1 { continue }
            let path = prefix + Self.bytes(git_tree_entry_name(before))
            let oldIsTree = oldMode == GIT_FILEMODE_TREE
            let newIsTree = newMode == GIT_FILEMODE_TREE
            if oldIsTree && newIsTree {
                try reader.withTree(id: git_tree_entry_id(before), operation) { (oldTree) throws(GitError) in
                    try reader.withTree(id: git_tree_entry_id(after), operation) { (newTree) throws(GitError) in
                        try compare(oldTree, newTree, prefix: path + [UInt8(ascii: "/")])
                    }
                }
                continue
            }
            // A file (or submodule) changed, or its mode did.
            if oldIsTree { try addEverything(under: before, path: path) }
            if newIsTree { try addEverything(under: after, path: path) }
            if !oldIsTree || !newIsTree { paths.append(path) }
        }
    }

    /// The entry's own path, or for a folder every file and submodule inside it.
    private mutating func addEverything(under entry: OpaquePointer, path: [UInt8]) throws(GitError) {
        guard git_tree_entry_filemode(entry) == GIT_FILEMODE_TREE else {
            paths.append(path)
            return
        }
        let found = try reader.withTree(id: git_tree_entry_id(entry), operation) { (tree) throws(GitError) -> [[UInt8]] in
            try reader.walk(tree, operation, includeSubmodules: true)
        }
        let folder = path + [UInt8(ascii: "/")]
        paths.append(contentsOf: found.map { folder + $0 })
    }

    static func bytes(_ pointer: UnsafePointer<CChar>?) -> [UInt8] {
        guard let pointer else { return [] }
        return Array(UnsafeRawBufferPointer(start: pointer, count: strlen(pointer)))
    }
}
