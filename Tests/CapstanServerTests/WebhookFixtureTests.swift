import CapstanCore
@testable import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore

// The webhook tests' fixture (in a file named like the tests, which is where the webhook team's files go).

/// The webhook tests' server: one repository per provider's example payload, a secret per provider.
enum Hook {
    static let githubSecret = "It's a Secret to Everybody", gitlabToken = "gitlab-token", giteaSecret = "gitea-secret"
    static let bitbucketSecret = "bitbucket-secret", ciSecret = "ci-secret"

    static func secret(_ provider: String) -> String {
        ["github": githubSecret, "gitlab": gitlabToken, "gitea": giteaSecret, "bitbucket": bitbucketSecret][provider] ?? ciSecret
    }

    /// Repositories at the example payloads' URLs, spelled otherwise than the payloads spell them.
    static let repositories = [
        RepositoryConfig(name: "hello", url: "git@github.com:codertocat/hello-world.git"),
        RepositoryConfig(name: "diaspora", url: "https://example.com/mike/diaspora", branch: "master"),
        RepositoryConfig(name: "example", url: "ssh://git@localhost:2222/example/example.git", branch: "master"),
        RepositoryConfig(name: "bb-cloud", url: "git@bitbucket.org:team_name/repo_name.git"),
        RepositoryConfig(name: "bb-server", url: "https://server.bitbucket.local/scm/prj/webhook-test.git", branch: "master"),
        RepositoryConfig(name: "apps", url: "file:///srv/git/apps.git"),
    ]

    static func config(except: WebhookProvider? = nil) -> ServerConfig {
        var providers: [WebhookProvider: WebhookProviderConfig] = [
            .github: .secret(.inline(githubSecret)), .gitlab: .secret(.inline(gitlabToken)),
            .gitea: .secret(.inline(giteaSecret)), .bitbucket: .secret(.inline(bitbucketSecret)),
            .generic: .secret(.inline(ciSecret)),
        ]
        if let except { providers[except] = nil }
        return ServerConfig(repositories: repositories, webhooks: WebhookConfig(providers: providers))
    }

    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    /// A resolver for configs that name no secret source.
    static func noFiles(_ source: SecretSource) throws -> String { throw Missing(description: "no \(source) in tests") }

    static func payload(_ name: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webhooks/\(name)"))
    }

    /// The body of every answer.
    struct Answer: Decodable, Equatable {
        let refreshed: [String]
        let message: String
    }

    /// Runs `body` against the API with webhooks from `config` (nil: none), refreshes going to `sync`.
    static func withRoutes<Value: Sendable>(
        _ config: ServerConfig? = config(), sync: RefreshRecorder? = RefreshRecorder(), transport: Transport = .router,
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        try await withSettings(try config.map { try WebhookSettings($0, secret: noFiles) }, sync: sync, transport: transport, body)
    }

    static func withSettings<Value: Sendable>(
        _ settings: WebhookSettings?, sync: RefreshRecorder?, transport: Transport = .router,
        _ body: @Sendable (any TestClientProtocol) async throws -> Value
    ) async throws -> Value {
        var logger = Logger(label: "capstan-webhook-test")
        logger.logLevel = .critical
        let router = Router(context: CapstanRequestContext.self, options: [.autoGenerateHeadEndpoints])
        CapstanAPI.add(to: router, store: MemoryDeploymentStore(), syncCommands: sync, webhooks: settings)
        return try await Hummingbird.Application(router: router, logger: logger).test(transport.setup, body)
    }

    /// POSTs `body` to `/webhooks/<provider>`, signed the way the provider signs with `secret`.
    static func post(_ client: any TestClientProtocol, _ provider: String, _ body: Data, secret: String,
                     headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        let signature = Webhooks.signature(of: body, secret: secret)
        switch provider {
        case "github": headers[.hubSignature256] = signature
        case "gitlab": headers[.gitlabToken] = secret
        case "gitea": headers[.giteaSignature] = String(signature.dropFirst("sha256=".count))
        case "bitbucket": headers[.hubSignature] = signature
        default: headers[.capstanSignature] = signature
        }
        return try await client.execute(uri: "/webhooks/\(provider)", method: .post, headers: headers,
                                        body: ByteBuffer(bytes: body))
    }
}

/// A ``SyncCommands`` that records each refresh; with `holdFirst`, the first refresh waits for ``release()``;
/// with `delay`, every refresh takes that long.
actor RefreshRecorder: SyncCommands {
    private(set) var refreshes: [[String]] = []
    private var holdFirst: Bool
    private let delay: Duration?
    private var held: CheckedContinuation<Void, Never>?

    init(holdFirst: Bool = false, delay: Duration? = nil) {
        self.holdFirst = holdFirst
        self.delay = delay
    }

    func sync(app: String, commit: String?, by actor: String) async throws -> Deployment {
        throw StoreError.notFound("no application \(app)")
    }

    func refresh(repositories: [String]) async {
        refreshes.append(repositories)
        if holdFirst {
            holdFirst = false
            await withCheckedContinuation { held = $0 }
        }
        if let delay { try? await Task.sleep(for: delay) }
    }

    /// Lets the held refresh return.
    func release() {
        held?.resume()
        held = nil
    }
}
