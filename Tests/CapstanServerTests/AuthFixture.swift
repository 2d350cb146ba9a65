import CapstanCore
import CapstanServer
import Foundation
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Logging
import NIOCore

/// A tokens file in a fresh folder with one token per role (and one with two), and the API serving the seed
/// store behind it.
struct AuthFixture: Sendable {
    /// The tokens, by name, as a client would send them.
    static let tokens: [(name: String, roles: [Role], token: String)] = [
        ("vera", [.viewer], "capstan_vera-token"), ("dan", [.deployer], "capstan_dan-token"),
        ("april", [.approver], "capstan_april-token"), ("root", [.admin], "capstan_root-token"),
        ("both", [.deployer, .approver], "capstan_both-token"),
    ]

    static func token(_ name: String) -> String { tokens.first { $0.name == name }!.token }

    static func bearer(_ name: String) -> HTTPFields { [.authorization: "Bearer \(token(name))"] }

    let folder: URL
    var path: String { folder.appendingPathComponent("tokens.jsonl").path }

    /// Writes the tokens file.
    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try TokenFile.write(Self.tokens.map(Self.record), to: path)
    }

    static func record(_ entry: (name: String, roles: [Role], token: String)) -> TokenRecord {
        TokenRecord(name: entry.name, roles: entry.roles, sha256: BearerToken.sha256Hex(entry.token),
                    created: Timestamp(Seed.t0))
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }

    /// Runs `body` against the API with this file's tokens.
    func withAPI<Value: Sendable>(
        _ transport: Transport, anonymousRead: Bool = true, commands: (any DeploymentCommands)? = nil,
        syncCommands: (any SyncCommands)? = nil, peer: String? = nil, store: (any DeploymentStore)? = nil,
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        var logger = Logger(label: "capstan-auth-test")
        logger.logLevel = .critical
        let router = Router(context: CapstanRequestContext.self, options: [.autoGenerateHeadEndpoints])
        if let peer { router.add(middleware: PosingPeer(address: try SocketAddress(ipAddress: peer, port: 50_000))) }
        let store = if let store { store } else { try await Seed.store() }
        CapstanAPI.add(to: router, store: store, commands: commands, syncCommands: syncCommands,
                       auth: AuthConfiguration(tokensFile: path, anonymousRead: anonymousRead))
        return try await Hummingbird.Application(router: router, logger: logger).test(transport.setup, body)
    }
}

/// A ``SyncCommands`` that records each sync and answers with a new PENDING deployment of a known app
/// (404 for any other). `failure` makes every call throw it instead.
actor RecordingSync: SyncCommands {
    enum Call: Sendable, Hashable {
        case sync(app: String, commit: String?, by: String)
    }

    private(set) var calls: [Call] = []
    private let failure: (any Error & Sendable)?

    init(failure: (any Error & Sendable)? = nil) {
        self.failure = failure
    }

    func sync(app: String, commit: String?, by actor: String) async throws -> Deployment {
        calls.append(.sync(app: app, commit: commit, by: actor))
        if let failure { throw failure }
        guard Seed.apps.contains(where: { $0.name == app }) else { throw StoreError.notFound("no application \(app)") }
        return Deployment(id: DeploymentID(rawValue: "d-0005"), app: app, commit: Seed.commit("e"),
                          previousCommit: Seed.commit("a"), trigger: .manual, strategy: .pipeline, state: .pending,
                          reason: "synced by \(actor)", createdAt: Seed.at(300), updatedAt: Seed.at(300))
    }

    func refresh(repositories: [String]) async {}
}
