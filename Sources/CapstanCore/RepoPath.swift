/// Helpers for repository-relative, `/`-separated paths.
public enum RepoPath {
    /// The folder holding `path`; `""` at the root.
    public static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The last component of `path`.
    public static func name(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// `folder` and `relative` joined and normalized; nil when the result leaves the repository
    /// (an absolute path or one whose `..` climbs above the root).
    public static func resolve(_ relative: String, in folder: String) -> String? {
        guard !relative.hasPrefix("/"), !relative.isEmpty else { return nil }
        var parts = folder.isEmpty ? [] : folder.split(separator: "/").map(String.init)
        for part in relative.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            default: parts.append(String(part))
            }
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    /// Whether `path` lies inside `folder` (every path lies inside the root, `""`).
    public static func isInside(_ path: String, folder: String) -> Bool {
        folder.isEmpty || (path.hasPrefix(folder) && path.utf8.dropFirst(folder.utf8.count).first == UInt8(ascii: "/"))
    }
}
