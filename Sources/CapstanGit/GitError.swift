import CLibGit2
import Foundation

/// A failed Git operation: a stable code to branch on, the remote (credentials removed), and libgit2's message.
public struct GitError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable reason codes; callers decide retry / stall on these, users see them.
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The remote could not be reached: DNS, refused connection, missing path, TLS, broken transfer.
        case unreachable
        /// The remote refused the credentials, or the configured credentials cannot be used.
        case authenticationFailed
        /// No branch, tag or commit by that name; or a commit that is not in the repository.
        case refNotFound
        /// The local mirror is damaged (it is re-cloned once automatically by `fetch`).
        case corruptMirror
        /// The caller's deadline passed.
        case timeout
        /// The calling task was cancelled.
        case cancelled
        /// The remote URL or path is not something we can fetch from.
        case invalidRemote
        /// Anything else (disk full, permissions, a libgit2 failure we do not classify).
        case other
    }

    /// Why it failed.
    public let code: Code
    /// What we were doing: "fetch", "resolve main", "read a.yaml at 1a2b3c4", ...
    public let operation: String
    /// The remote or repository path, never with credentials.
    public let remote: String
    /// libgit2's message (credentials scrubbed) or ours.
    public let message: String

    /// Creates an error (public so fakes of Git sources can throw the real type).
    public init(code: Code, operation: String, remote: String, message: String) {
        self.code = code
        self.operation = operation
        self.remote = remote
        self.message = message
    }

    public var description: String {
        "git \(operation) failed for \(remote) [\(code.rawValue)]: \(message)"
    }
}

/// The stage of work a libgit2 failure happened in; the same libgit2 code means different things in each.
enum GitPhase: Sendable {
    /// Connecting to the remote (DNS, TCP, TLS, ssh handshake, authentication).
    case connect
    /// Negotiating, downloading, indexing and updating refs in the mirror.
    case transfer
    /// Reading a repository we hold: refs, commits, trees, blobs.
    case read
}

extension GitError.Code {
    /// Maps a libgit2 return code and error class to our code. Pure, so it is unit-tested.
    static func classify(result: Int32, errorClass: Int32, phase: GitPhase) -> GitError.Code {
        switch result {
        case GIT_EAUTH.rawValue: return .authenticationFailed
        case GIT_ECERTIFICATE.rawValue: return .unreachable
        case GIT_EUSER.rawValue: return .cancelled
        // Another process holds a lock in the repository. Never treat that as damage: a
        // re-clone would delete the folder under it. (A lock left by a crash needs a human.)
        case GIT_ELOCKED.rawValue: return .other
        default: break
        }
        let klass = UInt32(bitPattern: errorClass)
        switch phase {
        case .connect:
            return .unreachable
        case .transfer:
            if storageClasses.contains(klass) { return .corruptMirror }
            if networkClasses.contains(klass) { return .unreachable }
            return .other
        case .read:
            switch result {
            case GIT_ENOTFOUND.rawValue where klass != GIT_ERROR_ZLIB.rawValue,
                 GIT_EINVALIDSPEC.rawValue, GIT_EAMBIGUOUS.rawValue, GIT_EPEEL.rawValue, GIT_EUNBORNBRANCH.rawValue:
                return .refNotFound
            default:
                return storageClasses.contains(klass) || result == GIT_EMISMATCH.rawValue ? .corruptMirror : .other
            }
        }
    }

    /// Error classes that mean our own object database or refs are damaged.
    private static let storageClasses: Set<UInt32> = Set([
        GIT_ERROR_ODB, GIT_ERROR_ZLIB, GIT_ERROR_OBJECT, GIT_ERROR_REFERENCE, GIT_ERROR_REPOSITORY, GIT_ERROR_TREE,
    ].map(\.rawValue))
    /// Error classes of the transports: the remote or the path to it is at fault.
    private static let networkClasses: Set<UInt32> = Set([
        GIT_ERROR_NET, GIT_ERROR_SSL, GIT_ERROR_SSH, GIT_ERROR_HTTP, GIT_ERROR_INDEXER, GIT_ERROR_CALLBACK,
    ].map(\.rawValue))
}

/// What errors need to know about the repository: its display name and the secrets to scrub.
struct GitContext: Sendable {
    /// The redacted remote or the local path.
    let remote: String
    /// Strings that must never appear in a message (tokens, passwords, URL user-info).
    let secrets: [String]
    /// The URL as given to libgit2, replaced by `remote` in messages.
    let rawURL: String?

    init(remote: String, secrets: [String] = [], rawURL: String? = nil) {
        self.remote = remote
        self.secrets = secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }
        self.rawURL = rawURL
    }

    /// An error with our own message.
    func error(_ code: GitError.Code, _ operation: String, _ message: String) -> GitError {
        GitError(code: code, operation: operation, remote: remote, message: scrub(message))
    }

    /// An error from the libgit2 call that just returned `result`: reads `git_error_last`
    /// now, on this thread, before anything else can overwrite it.
    func failure(_ result: Int32, _ operation: String, phase: GitPhase, prefix: String? = nil) -> GitError {
        let (message, klass) = Self.lastError()
        let code = GitError.Code.classify(result: result, errorClass: klass, phase: phase)
        return error(code, operation, [prefix, message].compactMap { $0 }.joined(separator: ": "))
    }

    /// Like `failure(_:_:phase:)` but with a code the caller already knows.
    func failure(_ result: Int32, _ operation: String, code: GitError.Code) -> GitError {
        error(code, operation, Self.lastError().message)
    }

    /// Removes the URL with credentials and every secret from a message.
    func scrub(_ message: String) -> String {
        var text = message
        if let rawURL, rawURL != remote { text = text.replacingOccurrences(of: rawURL, with: remote) }
        for secret in secrets { text = text.replacingOccurrences(of: secret, with: "***") }
        return text
    }

    private static func lastError() -> (message: String, errorClass: Int32) {
        guard let last = git_error_last() else { return ("libgit2 reported no message", 0) }
        let message = lossyString(last.pointee.message).trimmingCharacters(in: .whitespacesAndNewlines)
        return (message.isEmpty ? "libgit2 reported no message" : message, last.pointee.klass)
    }
}

