public import CapstanCore

/// What a fetch changed in the mirror.
public struct FetchResult: Sendable, Hashable {
    /// One ref's move; nil on one side means the ref was created or deleted.
    public struct RefChange: Sendable, Hashable {
        /// The commit before the fetch (nil: the ref is new).
        public let old: CommitID?
        /// The commit after the fetch (nil: the ref was deleted on the remote and pruned).
        public let new: CommitID?

        /// Creates a change.
        public init(old: CommitID?, new: CommitID?) {
            self.old = old
            self.new = new
        }
    }

    /// Branches and tags that moved, keyed by full name ("refs/heads/main", "refs/tags/v1").
    /// Tags are peeled to the commit they name.
    public let updates: [String: RefChange]
    /// Objects received from the remote (0 when there was nothing new).
    public let receivedObjects: Int
    /// Bytes received from the remote.
    public let receivedBytes: Int
    /// True when this fetch created the mirror (first clone, or a re-clone after damage).
    public let cloned: Bool
    /// The damage found, when the mirror was deleted and cloned again.
    public let recoveredFrom: GitError?

    /// Creates a result.
    public init(updates: [String: RefChange], receivedObjects: Int, receivedBytes: Int, cloned: Bool, recoveredFrom: GitError?) {
        self.updates = updates
        self.receivedObjects = receivedObjects
        self.receivedBytes = receivedBytes
        self.cloned = cloned
        self.recoveredFrom = recoveredFrom
    }

    /// True when any branch or tag moved, appeared or disappeared.
    public var changed: Bool { !updates.isEmpty }

    /// The changes between two snapshots of ref tips.
    static func changes(before: [String: CommitID], after: [String: CommitID]) -> [String: RefChange] {
        var updates: [String: RefChange] = [:]
        for name in Set(before.keys).union(after.keys) where before[name] != after[name] {
            updates[name] = RefChange(old: before[name], new: after[name])
        }
        return updates
    }
}
