public import CapstanCore
import CapstanConfig
public import CapstanGit
public import Foundation

/// Keeps one watched repository's applications in step with its branch: fetches, and for a new head
/// works out which applications the change touches and records a PENDING deployment for each.
///
/// One reconcile is a short list of idempotent sub-steps (fetch, resolve, discover, plan, record), so
/// running it again after a crash or on the next tick creates nothing twice: a deployment already
/// recorded for an application at the head commit is never recorded again.
public actor RepositoryReconciler {
    /// What one reconcile did.
    public struct Outcome: Sendable, Hashable {
        /// The branch head seen, nil when the repository could not be read.
        public var head: CommitID?
        /// The head had been seen before: nothing was walked or planned.
        public var unchanged = false
        public var created: [DeploymentID] = []
        /// Config paths (or app names) found invalid at the head.
        public var invalid: [String] = []
        public var error: GitError?
    }

    public let repository: RepositoryConfig
    let source: any MirroredSource
    let store: any DeploymentStore
    let now: @Sendable () -> Date
    let fetchTimeout: Duration
    private var lastHead: CommitID?
    private var lastError: GitError?
    /// Applications found invalid at the current head, re-asserted on every reconcile: another writer
    /// (drift) may have replaced the status in between, and the head alone would never bring it back.
    var invalid: [String: (app: DiscoveredApp, summary: String)] = [:]
    /// The configs decoded at the last planned head, so that the next head re-decodes only those it changed.
    var discovery: (at: CommitID, cache: DiscoveryCache)?
    /// Whether each application deployed at another commit was touched at the head `at` (see `plan`).
    var verdicts: (at: CommitID, byApp: [String: Verdict])?

    /// What the plan at one head found for an application: its base, and the paths that touch it (nil: none).
    struct Verdict {
        var base: CommitID
        var reasons: [String]?
    }

    public init(repository: RepositoryConfig, source: any MirroredSource, store: any DeploymentStore,
                fetchTimeout: Duration = .seconds(120), now: @escaping @Sendable () -> Date = Date.init) {
        self.repository = repository
        self.source = source
        self.store = store
        self.fetchTimeout = fetchTimeout
        self.now = now
    }

    /// Runs one reconcile. Git problems are recorded as events and returned, never thrown; store
    /// problems are thrown (the caller retries on its next tick).
    public func reconcile() async throws -> Outcome {
        var outcome = Outcome()
        let head: CommitID
        do {
            _ = try await source.fetch(timeout: fetchTimeout)
            head = try await source.resolve(repository.branch)
        } catch {
            try await recordGitError(error)
            outcome.error = error
            return outcome
        }
        outcome.head = head
        if lastError != nil { try await recordRecovery(head: head) }
        guard head != lastHead else {
            outcome.unchanged = true
            try await reassertInvalid()
            return outcome
        }
        do {
            try await plan(head: head, into: &outcome)
        } catch let error as GitError {
            try await recordGitError(error)
            outcome.error = error
            return outcome
        }
        lastHead = head
        return outcome
    }

    private func reassertInvalid() async throws {
        for (name, entry) in invalid.sorted(by: { $0.key < $1.key }) {
            try await setStatus(entry.app, try await store.app(name), .invalidConfig, summary: entry.summary)
        }
    }

    private func recordGitError(_ error: GitError) async throws {
        defer { lastError = error }
        // One event per distinct problem, not one per failed poll.
        guard lastError?.code != error.code || lastError?.message != error.message else { return }
        try await store.write([], events: [NewEvent(
            kind: .repositoryError, at: now(), message: "repository \(repository.name): \(error)",
            data: ["repository": repository.name, "code": error.code.rawValue, "remote": error.remote])])
    }

    private func recordRecovery(head: CommitID) async throws {
        lastError = nil
        try await store.write([], events: [NewEvent(
            kind: .repositoryPolled, at: now(), message: "repository \(repository.name) is reachable again at \(head.short)",
            data: ["repository": repository.name, "head": head.hex])])
    }
}
