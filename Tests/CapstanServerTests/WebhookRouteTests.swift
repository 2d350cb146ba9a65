import CapstanCore
@testable import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// The route's answers: every status code it gives, secrets per provider and per repository, insecure providers.
@Suite struct WebhookRouteTests {
    @Test func otherMethodsAre405() async throws {
        try await Hook.withRoutes { client in
            for method in [HTTPRequest.Method.get, .put, .delete] {
                let response = try await client.execute(uri: "/webhooks/github", method: method)
                #expect(response.status == .methodNotAllowed)
                #expect(response.headers[.allow] == "POST")
                #expect(try response.apiError.code == "method_not_allowed")
            }
        }
    }

    @Test func anUnknownProviderIs404() async throws {
        try await Hook.withRoutes { client in
            let response = try await Hook.post(client, "svn", Data("{}".utf8), secret: Hook.githubSecret)
            #expect(response.status == .notFound)
            #expect(try response.apiError == .init(code: "not_found",
                                                   message: "no webhook provider svn; use one of github, gitlab, gitea, bitbucket, generic"))
        }
    }

    @Test(arguments: Transport.allCases)
    func aBodyOverTheLimitIs413(_ transport: Transport) async throws {
        var config = Hook.config()
        config.webhooks.maxBodyBytes = 1024
        let sync = RefreshRecorder()
        let body = Data(#"{"repository": "apps", "padding": "\#(String(repeating: "x", count: 2000))"}"#.utf8)
        try await Hook.withRoutes(config, sync: sync, transport: transport) { client in
            let response = try await Hook.post(client, "generic", body, secret: Hook.ciSecret)
            #expect(response.status == .contentTooLarge)
            #expect(try response.apiError == .init(code: "payload_too_large",
                                                   message: "the body is larger than 1024 bytes (webhooks.maxBodyBytes)"))
            // Under the limit the same route answers.
            let small = try await Hook.post(client, "generic", Data(#"{"repository": "apps"}"#.utf8), secret: Hook.ciSecret)
            #expect(small.status == .accepted)
        }
        #expect(await sync.refreshes == [["apps"]])
    }

    /// An unsigned delivery is refused on its headers: the server does not read (and buffer) a body for someone
    /// who cannot sign it, so even one over the limit is a 401, not a 413.
    @Test(arguments: Transport.allCases)
    func anUnsignedDeliveryIsRefusedBeforeItsBodyIsRead(_ transport: Transport) async throws {
        var config = Hook.config()
        config.webhooks.maxBodyBytes = 1024
        let body = Data(#"{"repository": "apps", "padding": "\#(String(repeating: "x", count: 2000))"}"#.utf8)
        try await Hook.withRoutes(config, sync: RefreshRecorder(), transport: transport) { client in
            let response = try await client.execute(uri: "/webhooks/generic", method: .post, body: ByteBuffer(bytes: body))
            #expect(response.status == .unauthorized)
            #expect(try response.apiError.message.hasPrefix("the X-Capstan-Signature header is missing"))
            let unconfigured = try await client.execute(uri: "/webhooks/bitbucket", method: .post, body: ByteBuffer(bytes: body))
            #expect(unconfigured.status == .unauthorized)
        }
    }

    @Test func theDefaultLimitIsGitHubs25MiB() throws {
        #expect(try WebhookSettings(ServerConfig(), secret: Hook.noFiles).maxBodyBytes == 26_214_400)
    }

    @Test func unsignedWrongAndUnconfiguredAre401() async throws {
        let sync = RefreshRecorder()
        let push = try Hook.payload("github-push.json")
        try await Hook.withRoutes(sync: sync) { client in
            let unsigned = try await client.execute(uri: "/webhooks/github", method: .post,
                                                    headers: [.githubEvent: "push"], body: ByteBuffer(bytes: push))
            #expect(unsigned.status == .unauthorized)
            #expect(try unsigned.apiError == .init(code: "unauthorized", message: "the X-Hub-Signature-256 header is missing: "
                + "set the webhook's secret in GitHub to the one in Capstan's server config"))
            let wrong = try await Hook.post(client, "github", push, secret: "not it", headers: [.githubEvent: "push"])
            #expect(wrong.status == .unauthorized)
            #expect(try wrong.apiError.message == "the GitHub webhook signature does not match: the secret set for the "
                + "webhook differs from the one in Capstan's server config")
        }
        // No gitea secret in this config.
        try await Hook.withRoutes(Hook.config(except: .gitea), sync: sync) { client in
            let response = try await Hook.post(client, "gitea", try Hook.payload("gitea-push.json"), secret: Hook.giteaSecret,
                                               headers: [.giteaEvent: "push"])
            #expect(response.status == .unauthorized)
            #expect(try response.apiError.message == "no secret configured for gitea webhooks; set webhooks.gitea.secretEnv, "
                + "secretFile or secret in the server config (or insecure: true to accept unsigned deliveries)")
        }
        // A server started without webhook settings refuses every delivery the same way.
        try await Hook.withRoutes(nil, sync: sync) { client in
            let response = try await Hook.post(client, "github", push, secret: Hook.githubSecret, headers: [.githubEvent: "push"])
            #expect(response.status == .unauthorized)
        }
        #expect(await sync.refreshes.isEmpty)
    }

    @Test func aSignedButMalformedDeliveryIs400() async throws {
        let sync = RefreshRecorder()
        try await Hook.withRoutes(sync: sync) { client in
            let cases: [(provider: String, body: String, headers: HTTPFields, message: String)] = [
                ("github", "not json", [.githubEvent: "push"], "GitHub push event: the body is not JSON"),
                ("github", #"{"repository": {"clone_url": "https://github.com/o/r"}}"#, [.githubEvent: "push"],
                 "GitHub push event: ref is missing"),
                ("github", #"{"ref": 7, "repository": {}}"#, [.githubEvent: "push"], "GitHub push event: ref has the wrong type"),
                ("github", #"{"ref": "refs/heads/main", "repository": {}}"#, [.githubEvent: "push"],
                 "GitHub push event: the payload names no repository URL"),
                ("github", "{}", [:], "the X-GitHub-Event header is missing; is this a GitHub webhook?"),
                ("bitbucket", #"{"push": {"changes": [{"new": {"type": "branch"}}]}, "repository": {}}"#,
                 [.bitbucketEvent: "repo:push"], "Bitbucket repo:push event: push.changes[0].new.name is missing"),
                ("generic", #"{"ref": "refs/heads/main"}"#, [:], "generic webhook: repository is missing"),
                ("generic", #"{"repository": ""}"#, [:], "generic webhook: repository is empty; give its URL or name"),
                ("generic", #"{"repository": "apps", "commit": "xyz"}"#, [:], "generic webhook: commit must be a hex commit id, not 'xyz'"),
                ("generic", #"{"repository": "apps", "ref": "main branch"}"#, [:],
                 "generic webhook: ref must be a ref such as refs/heads/main, not 'main branch'"),
                ("generic", "[1, 2]", [:], "generic webhook: the body must be a JSON object"),
            ]
            for item in cases {
                let response = try await Hook.post(client, item.provider, Data(item.body.utf8), secret: Hook.secret(item.provider),
                                                   headers: item.headers)
                #expect(response.status == .badRequest, "\(item.body)")
                #expect(try response.apiError == .init(code: "bad_request", message: item.message))
            }
        }
        #expect(await sync.refreshes.isEmpty)
    }

    @Test func aPushIs202NamingWhatItRefreshed() async throws {
        let sync = RefreshRecorder()
        try await Hook.withRoutes(sync: sync) { client in
            let response = try await Hook.post(client, "github", try Hook.payload("github-push.json"), secret: Hook.githubSecret,
                                               headers: [.githubEvent: "push"])
            #expect(response.status == .accepted)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(try response.decoded(Hook.Answer.self) == .init(refreshed: ["hello"], message: "refreshing hello"))
            #expect(try response.json.keys == ["message", "refreshed"])
            // Nothing matches: 202 all the same, with an empty list and the reason.
            let other = Data(#"{"ref": "refs/heads/main", "repository": {"clone_url": "https://github.com/o/r.git"}}"#.utf8)
            let none = try await Hook.post(client, "github", other, secret: Hook.githubSecret, headers: [.githubEvent: "push"])
            #expect(none.status == .accepted)
            #expect(try none.decoded(Hook.Answer.self) == .init(
                refreshed: [], message: "no configured repository is at https://github.com/o/r.git"))
            // An event Capstan does not act on.
            let issue = try await Hook.post(client, "github", Data("{}".utf8), secret: Hook.githubSecret,
                                            headers: [.githubEvent: "issues"])
            #expect(issue.status == .accepted)
            #expect(try issue.decoded(Hook.Answer.self) == .init(
                refreshed: [], message: "GitHub event issues is not acted on; only push refreshes"))
        }
        #expect(await sync.refreshes == [["hello"]])
    }

    @Test func withoutASyncHandlerAMatchingPushIs503() async throws {
        try await Hook.withRoutes(sync: nil) { client in
            let response = try await Hook.post(client, "github", try Hook.payload("github-push.json"), secret: Hook.githubSecret,
                                               headers: [.githubEvent: "push"])
            #expect(response.status == .serviceUnavailable)
            #expect(try response.apiError.code == "commands_unavailable")
        }
    }

    @Test func anInsecureProviderTakesUnsignedDeliveriesButNotForRepositoriesWithTheirOwnSecret() async throws {
        var config = Hook.config()
        config.webhooks.providers[.generic] = .insecure
        config.repositories.append(RepositoryConfig(name: "private", url: "file:///srv/git/private.git",
                                                    webhookSecret: .inline("private-secret")))
        let sync = RefreshRecorder()
        try await Hook.withRoutes(config, sync: sync) { client in
            for repository in ["apps", "file:///srv/git/private.git"] {
                let body = Data(#"{"repository": "\#(repository)", "ref": "main"}"#.utf8)
                let response = try await client.execute(uri: "/webhooks/generic", method: .post, body: ByteBuffer(bytes: body))
                #expect(response.status == .accepted)
            }
            let signed = Data(#"{"repository": "private"}"#.utf8)
            let response = try await Hook.post(client, "generic", signed, secret: "private-secret")
            #expect(try response.decoded(Hook.Answer.self).refreshed == ["private"])
        }
        #expect(await sync.refreshes == [["apps"], ["private"]])
    }

    @Test func aRepositorysOwnSecretReplacesItsProviders() async throws {
        var config = Hook.config()
        config.repositories = [RepositoryConfig(name: "hello", url: "https://github.com/Codertocat/Hello-World",
                                                webhookSecret: .source(.environment("HELLO_SECRET"))),
                               RepositoryConfig(name: "hello-too", url: "git@github.com:Codertocat/Hello-World.git")]
        let settings = try WebhookSettings(config) { source in
            source == .environment("HELLO_SECRET") ? "hello-secret" : "unexpected"
        }
        let sync = RefreshRecorder()
        let push = try Hook.payload("github-push.json")
        try await Hook.withSettings(settings, sync: sync) { client in
            let withProviders = try await Hook.post(client, "github", push, secret: Hook.githubSecret, headers: [.githubEvent: "push"])
            #expect(try withProviders.decoded(Hook.Answer.self).refreshed == ["hello-too"])
            let withOwn = try await Hook.post(client, "github", push, secret: "hello-secret", headers: [.githubEvent: "push"])
            #expect(try withOwn.decoded(Hook.Answer.self).refreshed == ["hello"])
            let wrong = try await Hook.post(client, "github", push, secret: "neither", headers: [.githubEvent: "push"])
            #expect(wrong.status == .unauthorized)
        }
        #expect(await sync.refreshes == [["hello-too"], ["hello"]])
    }

    @Test func secretsAreReadAtStartAndShownNowhere() throws {
        var config = Hook.config()
        config.webhooks.providers[.gitea] = .secret(.source(.file("/run/secrets/gitea")))
        let failure = #expect(throws: WebhookSettings.Failure.self) {
            try WebhookSettings(config) { _ in throw Hook.Missing(description: "cannot read the file /run/secrets/gitea") }
        }
        #expect(failure?.description == "webhooks.gitea: cannot read the webhook secret: cannot read the file /run/secrets/gitea")
        #expect(throws: WebhookSettings.Failure.self) { try WebhookSettings(config) { _ in "" } }
        let settings = try WebhookSettings(config) { _ in "file-secret" }
        for text in ["\(settings)", String(reflecting: settings), "\(config)", String(reflecting: config)] {
            for secret in [Hook.githubSecret, Hook.gitlabToken, "file-secret"] {
                #expect(!text.contains(secret), "\(text)")
            }
        }
        var dumped = ""
        dump(WebhookSecret.inline(Hook.githubSecret), to: &dumped)
        #expect(!dumped.contains(Hook.githubSecret))
    }

    @Test func overARealSocket() async throws {
        let sync = RefreshRecorder()
        try await Hook.withRoutes(sync: sync, transport: .live) { client in
            let response = try await Hook.post(client, "gitea", try Hook.payload("gitea-push.json"), secret: Hook.giteaSecret,
                                               headers: [.giteaEvent: "push"])
            #expect(response.status == .accepted)
            #expect(try response.decoded(Hook.Answer.self).refreshed == ["example"])
        }
        #expect(await sync.refreshes == [["example"]])
    }
}
