import CapstanCore
@testable import CapstanServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Each provider's documented example payload (trimmed, same structure), with the right and a wrong signature.
@Suite struct WebhookProviderTests {
    struct Delivery: Sendable, CustomTestStringConvertible {
        let provider: String
        let fixture: String
        let headers: HTTPFields
        let status: HTTPResponse.Status
        let refreshed: [String]
        var testDescription: String { "\(provider) \(fixture) \(headers.map(\.value).joined(separator: " "))" }
    }

    static let deliveries = [
        Delivery(provider: "github", fixture: "github-push.json", headers: [.githubEvent: "push"], status: .accepted,
                 refreshed: ["hello"]),
        Delivery(provider: "github", fixture: "github-ping.json", headers: [.githubEvent: "ping"], status: .ok, refreshed: []),
        Delivery(provider: "github", fixture: "github-tag-delete.json", headers: [.githubEvent: "push"], status: .accepted,
                 refreshed: []),
        Delivery(provider: "gitlab", fixture: "gitlab-push.json", headers: [.gitlabEvent: "Push Hook"], status: .accepted,
                 refreshed: ["diaspora"]),
        Delivery(provider: "gitlab", fixture: "gitlab-tag-push.json", headers: [.gitlabEvent: "Tag Push Hook"],
                 status: .accepted, refreshed: []),
        Delivery(provider: "gitea", fixture: "gitea-push.json", headers: [.giteaEvent: "push"], status: .accepted,
                 refreshed: ["example"]),
        Delivery(provider: "gitea", fixture: "gitea-push.json", headers: [.forgejoEvent: "push"], status: .accepted,
                 refreshed: ["example"]),
        Delivery(provider: "bitbucket", fixture: "bitbucket-cloud-push.json", headers: [.bitbucketEvent: "repo:push"],
                 status: .accepted, refreshed: ["bb-cloud"]),
        Delivery(provider: "bitbucket", fixture: "bitbucket-server-refs-changed.json",
                 headers: [.bitbucketEvent: "repo:refs_changed"], status: .accepted, refreshed: ["bb-server"]),
        Delivery(provider: "bitbucket", fixture: "bitbucket-server-refs-changed.json",
                 headers: [.bitbucketEvent: "diagnostics:ping"], status: .ok, refreshed: []),
    ]

    @Test(arguments: deliveries)
    func signedRightItIsActedOn(_ delivery: Delivery) async throws {
        let sync = RefreshRecorder()
        try await Hook.withRoutes(sync: sync) { client in
            let response = try await Hook.post(client, delivery.provider, try Hook.payload(delivery.fixture),
                                               secret: Hook.secret(delivery.provider), headers: delivery.headers)
            #expect(response.status == delivery.status)
            #expect(try response.decoded(Hook.Answer.self).refreshed == delivery.refreshed)
        }
        #expect(await sync.refreshes == (delivery.refreshed.isEmpty ? [] : [delivery.refreshed]))
    }

    @Test(arguments: deliveries)
    func signedWrongItIs401(_ delivery: Delivery) async throws {
        let sync = RefreshRecorder()
        try await Hook.withRoutes(sync: sync) { client in
            let response = try await Hook.post(client, delivery.provider, try Hook.payload(delivery.fixture),
                                               secret: "wrong secret", headers: delivery.headers)
            #expect(response.status == .unauthorized)
            #expect(try response.apiError.code == "unauthorized")
            // A body changed after signing fails too.
            var changed = try Hook.payload(delivery.fixture)
            let signed = Self.signedHeaders(delivery, body: changed)
            changed.append(contentsOf: Array(" ".utf8))
            let tampered = try await client.execute(uri: "/webhooks/\(delivery.provider)", method: .post, headers: signed,
                                                    body: ByteBuffer(bytes: changed))
            // GitLab's plain token does not cover the body; every signature does.
            #expect(tampered.status == (delivery.provider == "gitlab" ? delivery.status : .unauthorized))
        }
    }

    /// The headers `Hook.post` sends for `body`.
    private static func signedHeaders(_ delivery: Delivery, body: Data) -> HTTPFields {
        var headers = delivery.headers
        let signature = Webhooks.signature(of: body, secret: Hook.secret(delivery.provider))
        switch delivery.provider {
        case "github": headers[.hubSignature256] = signature
        case "gitlab": headers[.gitlabToken] = Hook.gitlabToken
        case "gitea": headers[.giteaSignature] = String(signature.dropFirst(7))
        default: headers[.hubSignature] = signature
        }
        return headers
    }

    @Test func giteaAlsoTakesForgejosAndGitHubsHeaders() async throws {
        let sync = RefreshRecorder()
        let body = try Hook.payload("gitea-push.json")
        let signature = Webhooks.signature(of: body, secret: Hook.giteaSecret)
        try await Hook.withRoutes(sync: sync) { client in
            for header in [HTTPField.Name.forgejoSignature, .hubSignature256] {
                let value = header == .hubSignature256 ? signature : String(signature.dropFirst(7))
                let response = try await client.execute(uri: "/webhooks/gitea", method: .post,
                                                        headers: [.forgejoEvent: "push", header: value],
                                                        body: ByteBuffer(bytes: body))
                #expect(response.status == .accepted, "\(header)")
            }
        }
        #expect(await sync.refreshes == [["example"], ["example"]])
    }

    /// GitLab's signing token (Standard Webhooks): `webhook-signature` over id, timestamp and body, within 5 minutes.
    @Test func gitlabSigningTokens() async throws {
        let token = "whsec_" + Data((0..<32).map { UInt8($0) }).base64EncodedString()
        var config = Hook.config()
        config.webhooks.providers[.gitlab] = .secret(.inline(token))
        let sync = RefreshRecorder()
        let body = try Hook.payload("gitlab-push.json")
        @Sendable func headers(at timestamp: Int, id: String = "8b9c1a2d-delivery", key: String = token) -> HTTPFields {
            let mac = WebhookSignature.hmac(key: WebhookSignature.standardKey(Array(key.utf8)),
                                            Data("\(id).\(timestamp).".utf8), body)
            return [.gitlabEvent: "Push Hook", .webhookID: id, .webhookTimestamp: String(timestamp),
                    .webhookSignature: "v1," + Data(mac).base64EncodedString()]
        }
        let now = Int(Date().timeIntervalSince1970)
        try await Hook.withRoutes(config, sync: sync) { client in
            func post(_ headers: HTTPFields) async throws -> TestResponse {
                try await client.execute(uri: "/webhooks/gitlab", method: .post, headers: headers, body: ByteBuffer(bytes: body))
            }
            #expect(try await post(headers(at: now)).status == .accepted)
            #expect(try await post(headers(at: now - 60)).status == .accepted)
            let stale = try await post(headers(at: now - 600))
            #expect(stale.status == .unauthorized)
            #expect(try stale.apiError.message.hasPrefix("webhook-timestamp \(now - 600) is more than 5 minutes"))
            #expect(try await post(headers(at: now + 600)).status == .unauthorized)
            let other = "whsec_" + Data(repeating: 9, count: 32).base64EncodedString()
            #expect(try await post(headers(at: now, key: other)).status == .unauthorized)
            var noID = headers(at: now)
            noID[.webhookID] = nil
            #expect(try await post(noID).status == .unauthorized)
        }
        #expect(await sync.refreshes == [["diaspora"], ["diaspora"]])
    }

    @Test func whatACIJobSends() async throws {
        let sync = RefreshRecorder()
        try await Hook.withRoutes(sync: sync) { client in
            let bodies = [
                #"{"repository": "file:///srv/git/apps.git", "ref": "refs/heads/main", "commit": "0d1a26e67d8f5eaf1f6ba5c57fc3c7d91ac0fd1c"}"#,
                #"{"repository": "apps"}"#,
                #"{"repository": "/srv/git/apps", "ref": "main"}"#,
            ]
            for body in bodies {
                let response = try await Hook.post(client, "generic", Data(body.utf8), secret: Hook.ciSecret)
                #expect(response.status == .accepted, "\(body)")
                #expect(try response.decoded(Hook.Answer.self) == .init(refreshed: ["apps"], message: "refreshing apps"))
            }
            let otherBranch = Data(#"{"repository": "apps", "ref": "refs/heads/dev"}"#.utf8)
            let response = try await Hook.post(client, "generic", otherBranch, secret: Hook.ciSecret)
            #expect(try response.decoded(Hook.Answer.self) == .init(
                refreshed: [], message: "no configured repository at apps follows dev"))
        }
        #expect(await sync.refreshes == [["apps"], ["apps"], ["apps"]])
    }
}
