import Foundation
import Synchronization

/// The server's view of the tokens file: read again whenever it changes, so that a token created or
/// revoked with `capstan token` counts from the next request, without a restart.
///
/// Each lookup costs a `stat` of the file (after resolving links); it is read again only when its identity,
/// size or modification time changed (`capstan token` renames a new file over it, so each change is a new inode). File times tick
/// coarsely (every few milliseconds on Linux), so an edit in place just after a read could keep the same
/// stamp: a file changed within ``settleSeconds`` of being read is read again at each lookup until it has
/// settled, as Git does with its index.
final class TokenStore: Sendable {
    /// What a lookup found.
    enum Lookup: Sendable, Equatable {
        case found(TokenRecord)
        case unknown
        /// The file cannot be read or is malformed: no token is accepted until it is fixed.
        /// `firstReport` is true once per broken version of the file, for the server log.
        case unreadable(TokenFileError, firstReport: Bool)
    }

    private struct Entry: Sendable {
        let record: TokenRecord
        let digest: [UInt8]
    }

    private struct State: Sendable {
        var stamp: FileStamp?
        var entries: Result<[Entry], TokenFileError> = .success([])
        var reported = false
        var loaded = false
        /// Changed so recently when it was read that a later change may not show in its stamp.
        var racy = false
    }

    /// How long after its last change a file's stamp is not trusted to show the next one.
    static let settleSeconds: Double = 2

    let path: String
    private let state = Mutex(State())

    init(path: String) {
        self.path = path
    }

    /// The record of the token whose SHA-256 is `digest`, comparing it with every record's in constant time.
    func lookup(digest: [UInt8]) -> Lookup {
        state.withLock { state in
            reloadIfChanged(&state)
            switch state.entries {
            case .failure(let error):
                defer { state.reported = true }
                return .unreadable(error, firstReport: !state.reported)
            case .success(let entries):
                // Every entry is compared, matched or not, so timing does not tell which one (if any) matched.
                var found: TokenRecord?
                for entry in entries where BearerToken.constantTimeEqual(entry.digest, digest) {
                    found = entry.record
                }
                return found.map(Lookup.found) ?? .unknown
            }
        }
    }

    /// The record of `token`.
    func lookup(token: String) -> Lookup {
        lookup(digest: BearerToken.digest(token))
    }

    private func reloadIfChanged(_ state: inout State) {
        // Stat before reading: a change between the two is caught by the next lookup's stat.
        let stamp = FileStamp(path: path)
        guard !state.loaded || stamp != state.stamp || state.racy else { return }
        state.racy = stamp.map { Date().timeIntervalSince1970 - $0.modified < Self.settleSeconds } ?? false
        if !state.loaded || stamp != state.stamp { state.reported = false }  // a new version is reported anew
        state.stamp = stamp
        state.loaded = true
        do {
            let records = stamp == nil ? [] : try TokenFile.read(path)
            state.entries = .success(records.map { Entry(record: $0, digest: BearerToken.bytes(hex: $0.sha256) ?? []) })
        } catch {
            state.entries = .failure(error)
        }
    }
}

/// What identifies one version of a file cheaply: device, inode, size and modification time.
///
/// Read through `FileManager` after resolving symbolic links, so that a tokens file mounted as a link
/// (a Kubernetes secret swaps the link's target) is followed to the file itself.
struct FileStamp: Sendable, Hashable {
    let device: UInt64, inode: UInt64, size: UInt64
    /// Seconds since 1970, to the nanosecond or so.
    let modified: Double

    /// The file's stamp; nil when there is no file there (or it cannot be read).
    init?(path: String) {
        let target = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: target),
              let modified = attributes[.modificationDate] as? Date else { return nil }
        let number = { (key: FileAttributeKey) in (attributes[key] as? NSNumber)?.uint64Value ?? 0 }
        device = number(.systemNumber)
        inode = number(.systemFileNumber)
        size = number(.size)
        self.modified = modified.timeIntervalSince1970
    }
}
