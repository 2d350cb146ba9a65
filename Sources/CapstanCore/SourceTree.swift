public import Foundation

/// A read-only view of the files of one revision: a Git commit or a folder on disk.
///
/// Paths are repository-relative, `/`-separated, without a leading `./`.
public protocol SourceTree: Sendable {
    /// Every file (blob or symlink) in the tree, in no particular order.
    func files() async throws -> [String]
    /// The bytes of one file, or nil when no file has that path.
    func read(_ path: String) async throws -> Data?
    /// The first part of `path` — a folder on the way, or the file itself — that is a symbolic link, or nil.
    ///
    /// Capstan never follows a link: one committed as `secrets -> /etc` would reach outside the repository,
    /// so a manifest named through a link is refused with this path in the message.
    func symlink(on path: String) async throws -> String?
}

extension SourceTree {
    /// Trees without links (in memory, in tests) need not say so.
    public func symlink(on path: String) async throws -> String? { nil }
}
