public import CapstanCore
public import Foundation

/// A folder on disk seen as a ``SourceTree`` (what `capstan validate` reads before anything is committed).
///
/// Hidden entries (`.git`, `.build`, ...) are skipped, and symlinks are not followed, so the tree
/// never reaches outside its root.
public struct DirectoryTree: SourceTree {
    public let root: URL

    public init(root: URL) { self.root = root.standardizedFileURL }

    public func files() async throws -> [String] {
        var result: [String] = []
        try walk(root, prefix: "", into: &result)
        return result
    }

    public func read(_ path: String) async throws -> Data? {
        guard let normalized = RepoPath.resolve(path, in: ""), normalized == path else { return nil }
        let url = root.appendingPathComponent(path)
        let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
        guard values?.isRegularFile == true, values?.isSymbolicLink != true else { return nil }
        return try Data(contentsOf: url)
    }

    /// The first part of `path` that is a symbolic link on disk, or nil.
    public func symlink(on path: String) async throws -> String? {
        var prefix = ""
        for part in path.split(separator: "/") {
            prefix += (prefix.isEmpty ? "" : "/") + part
            let values = try? root.appendingPathComponent(prefix).resourceValues(forKeys: [.isSymbolicLinkKey])
            if values?.isSymbolicLink == true { return prefix }
        }
        return nil
    }

    private func walk(_ folder: URL, prefix: String, into result: inout [String]) throws {
        let keys: [URLResourceKey] = [.isDirectoryKey, .isSymbolicLinkKey]
        let entries = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: keys)
        for entry in entries where !entry.lastPathComponent.hasPrefix(".") {
            let values = try entry.resourceValues(forKeys: Set(keys))
            let path = prefix + entry.lastPathComponent
            if values.isSymbolicLink == true { continue }
            if values.isDirectory == true {
                try walk(entry, prefix: path + "/", into: &result)
            } else {
                result.append(path)
            }
        }
    }
}
