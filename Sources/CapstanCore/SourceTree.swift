public import Foundation

/// A read-only view of the files of one revision: a Git commit or a folder on disk.
///
/// Paths are repository-relative, `/`-separated, without a leading `./`.
public protocol SourceTree: Sendable {
    /// Every file (blob or symlink) in the tree, in no particular order.
    func files() async throws -> [String]
    /// The bytes of one file, or nil when no file has that path.
    func read(_ path: String) async throws -> Data?
}
