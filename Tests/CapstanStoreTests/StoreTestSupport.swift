import CapstanCore
import CapstanStore
import CapstanTesting
import Foundation
import Testing

/// The stores the shared contract runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite

    var testDescription: String { rawValue }

    /// Runs `body` on a fresh, empty store of this kind; a SQLite store lives in a temporary folder that
    /// is removed afterwards.
    func with(_ body: (any DeploymentStore) async throws -> Void) async throws {
        switch self {
        case .memory:
            try await body(MemoryDeploymentStore())
        case .sqlite:
            try await withTemporaryStoreURL { url in
                try await SQLiteDeploymentStore.withStore(at: url) { try await body($0) }
            }
        }
    }
}

/// A fresh store path (on tmpfs when there is one); its folder is removed when `body` returns.
func withTemporaryStoreURL(inMemory: Bool = true, _ body: (URL) async throws -> Void) async throws {
    let url = try SQLiteDeploymentStore.temporaryURL(inMemory: inMemory)
    defer { try? FileManager.default.removeItem(at: url.deletingLastPathComponent()) }
    try await body(url)
}

/// Records with every field set, or with every optional left nil.
enum Sample {
    /// A time with milliseconds, as a store must give it back exactly.
    static let t0 = time(0)

    /// `seconds` after t0, built from whole milliseconds: `addingTimeInterval` could leave a sub-microsecond
    /// remainder that the stores round away.
    static func time(_ seconds: Double) -> Date {
        Date(timeIntervalSince1970: Double(1_750_000_000_123 + Int64((seconds * 1000).rounded())) / 1000)
    }

    static func commit(_ n: Int) -> CommitID {
        CommitID(String(repeating: String(format: "%08x", n), count: 5))!
    }

    static func id(_ name: String) -> DeploymentID { DeploymentID(rawValue: "d-\(name)") }

    static func deployment(_ name: String, app: String = "checkout", state: DeploymentState = .pending,
                           created: Double = 0, full: Bool = true) -> Deployment {
        Deployment(
            id: id(name), app: app, commit: commit(1), previousCommit: full ? commit(2) : nil,
            trigger: full ? .selfHeal : .commit, strategy: full ? .pipeline : .quick, state: state,
            reason: full ? "superseded by d-next\nsecond line" : nil,
            createdAt: time(created), updatedAt: time(created + (full ? 1.5 : 0)))
    }

    static func stages(_ name: String, _ kinds: [StageKind] = [.canaryRollout, .waitApproval, .primaryRollout])
        -> [StageRecord] {
        kinds.enumerated().map { StageRecord(deployment: id(name), index: $0.offset, kind: $0.element) }
    }

    static func app(_ name: String, status: SyncStatus = .outOfSync, full: Bool = true) -> AppRecord {
        AppRecord(
            name: name, repository: "https://git.example.com/shop.git", configPath: "services/\(name)/capstan.yaml",
            status: status, lastDeployedCommit: full ? commit(3) : nil, summary: full ? "2 of 2 replicas at 0000000" : nil,
            diff: full ? "- replicas: 1\n+ replicas: 2" : nil, updatedAt: time(7.25))
    }

    static func event(_ kind: EventKind = .deploymentStateChanged, deployment: String? = nil, message: String = "moved",
                      data: [String: String] = [:], at: Date = t0) -> NewEvent {
        NewEvent(kind: kind, at: at, app: deployment == nil ? nil : "checkout", deployment: deployment.map(id),
                 stageIndex: deployment == nil ? nil : 1, message: message, data: data)
    }
}

extension StoreError {
    var isConflict: Bool { if case .conflict = self { true } else { false } }
    var isNotFound: Bool { if case .notFound = self { true } else { false } }
    var isUnavailable: Bool { if case .unavailable = self { true } else { false } }
    var message: String {
        switch self {
        case .conflict(let message), .notFound(let message), .unavailable(let message): message
        }
    }
}
