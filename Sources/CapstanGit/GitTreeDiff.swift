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
    mutating func compare(_ old: OpaquePointer, _ new: OpaquePointer, prefix: [UInt8]) throws(GitError) {
        for index in 0..<git_tree_entrycount(old) {
            guard let before = git_tree_entry_byindex(old, index) else { continue }
            let name = git_tree_entry_name(before)
            let path = prefix + Self.bytes(name)
            guard let after = git_tree_entry_byname(new, name) else {
                try addEverything(under: before, path: path)
                continue
            }
            let oldMode = git_tree_entry_filemode(before)
            let newMode = git_tree_entry_filemode(after)
            if oldMode == newMode, git_oid_equal(git_tree_entry_id(before), git_tree_entry_id(after)) == 1 { continue }
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
            // A file became a folder or the reverse, or a file (or submodule) changed.
            if oldIsTree { try addEverything(under: before, path: path) }
            if newIsTree { try addEverything(under: after, path: path) }
            if !oldIsTree || !newIsTree { paths.append(path) }
        }
        for index in 0..<git_tree_entrycount(new) {
            guard let added = git_tree_entry_byindex(new, index) else { continue }
            let name = git_tree_entry_name(added)
            if git_tree_entry_byname(old, name) != nil { continue }
            try addEverything(under: added, path: prefix + Self.bytes(name))
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
