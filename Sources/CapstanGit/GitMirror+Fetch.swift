import CLibGit2
import Foundation

/// The queue-confined state of a mirror folder: its handle, opened lazily, dropped on damage.
final class MirrorSession: ReadableSession {
    let directory: URL
    private var handle: RepositoryHandle?

    init(directory: URL) {
        self.directory = directory
    }

    func reader(_ context: GitContext) throws(GitError) -> GitReader {
        if let handle { return GitReader(repo: handle.pointer, context: context) }
        guard FileManager.default.fileExists(atPath: directory.path) else {
            throw context.error(.other, "open mirror", "the mirror has not been fetched yet: call fetch() first")
        }
        let opened = try Self.openMirror(directory, context)
        handle = opened
        return GitReader(repo: opened.pointer, context: context)
    }

    /// Fetches into the mirror, cloning it when absent and re-cloning it once when damaged.
    func fetch(remote: GitRemote, credentials: GitCredentials, context: GitContext, control: OperationControl) throws(GitError) -> FetchResult {
        let transfer = FetchTransfer(remote: remote, credentials: credentials, context: context, control: control)
        if handle == nil, FileManager.default.fileExists(atPath: directory.path) {
            do {
                handle = try Self.openMirror(directory, context)
            } catch {
                return try reclone(transfer, cause: error)
            }
        }
        guard let current = handle else { return try clone(transfer, recoveredFrom: nil) }
        do {
            return try transfer.run(into: current.pointer)
        } catch {
            guard error.code == .corruptMirror, !control.isCancelled else { throw error }
            return try reclone(transfer, cause: error)
        }
    }

    private func reclone(_ transfer: FetchTransfer, cause: GitError) throws(GitError) -> FetchResult {
        handle = nil  // frees the handle and its open pack files before the folder goes
        do {
            // The folder may already be gone (deleted under a running daemon): nothing to remove.
            if FileManager.default.fileExists(atPath: directory.path) { try FileManager.default.removeItem(at: directory) }
        } catch {
            throw transfer.context.error(.other, "fetch", "cannot delete the damaged mirror \(directory.path): \(error)")
        }
        return try clone(transfer, recoveredFrom: cause)
    }

    /// Clones into a hidden sibling folder and renames it into place, so a clone that fails or
    /// is killed midway never leaves a half mirror where the next run would look.
    private func clone(_ transfer: FetchTransfer, recoveredFrom: GitError?) throws(GitError) -> FetchResult {
        let files = FileManager.default
        let context = transfer.context
        let parent = directory.deletingLastPathComponent()
        let prefix = ".\(directory.lastPathComponent).partial-"
        do {
            try files.createDirectory(at: parent, withIntermediateDirectories: true)
        } catch {
            throw context.error(.other, "clone", "cannot create the cache folder \(parent.path): \(error)")
        }
        for name in (try? files.contentsOfDirectory(atPath: parent.path)) ?? [] where name.hasPrefix(prefix) {
            try? files.removeItem(at: parent.appendingPathComponent(name))
        }
        let partial = parent.appendingPathComponent(prefix + UUID().uuidString, isDirectory: true)
        defer { try? files.removeItem(at: partial) }  // nothing left to remove after the rename
        let result = try Self.initAndFetch(partial, transfer)
        do {
            try files.moveItem(at: partial, to: directory)
        } catch {
            throw context.error(.other, "clone", "cannot move the new mirror into \(directory.path): \(error)")
        }
        handle = try Self.openMirror(directory, context)
        return FetchResult(
            updates: result.updates, receivedObjects: result.receivedObjects, receivedBytes: result.receivedBytes,
            cloned: true, recoveredFrom: recoveredFrom
        )
    }

    /// A fresh bare repository filled by one fetch; its handle is freed before returning.
    private static func initAndFetch(_ folder: URL, _ transfer: FetchTransfer) throws(GitError) -> FetchResult {
        Libgit2.ensureInitialized()
        var repo: OpaquePointer?
        let rc = git_repository_init(&repo, folder.path, 1)
        guard rc == 0, let repo else { throw transfer.context.failure(rc, "clone", code: .other) }
        let fresh = RepositoryHandle(repo)
        return try withExtendedLifetime(fresh) { () throws(GitError) -> FetchResult in
            try transfer.run(into: fresh.pointer)
        }
    }

    /// Opens a mirror and checks what we always write: a bare repository with a readable HEAD.
    static func openMirror(_ directory: URL, _ context: GitContext) throws(GitError) -> RepositoryHandle {
        let handle = try RepositoryHandle.open(directory.path, context: context, code: .corruptMirror)
        guard git_repository_is_bare(handle.pointer) == 1 else {
            throw context.error(.corruptMirror, "open mirror", "\(directory.path) is not a bare repository")
        }
        var head: OpaquePointer?
        let rc = git_reference_lookup(&head, handle.pointer, "HEAD")
        guard rc == 0, let head else { throw context.failure(rc, "open mirror", code: .corruptMirror) }
        git_reference_free(head)
        return handle
    }
}
