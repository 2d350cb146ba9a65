import CapstanCore
import CapstanTesting
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// `capstan serve` for real with an hour-long poll: only the webhook can make it see a push in time.
@Suite(.serialized, .timeLimit(.minutes(3))) struct WebhookEndToEndTests {
    static let secret = "e2e-webhook-secret"

    @Test
    func aSignedCIDeliveryDeploysAPushAtOnce() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.setPollInterval("1h")
        try fixture.appendServerConfig("webhooks: {generic: {secretEnv: CAPSTAN_E2E_WEBHOOK_SECRET}}")
        try fixture.startServer(environment: ["CAPSTAN_E2E_WEBHOOK_SECRET": Self.secret])

        // The first poll, at start, deploys v1.
        #expect(await fixture.eventually { await fixture.version("hello") == "1.0.0" }, "\(fixture.serverLog)")
        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("hello v2")
        // With an hour between polls, nothing sees it.
        try await Task.sleep(for: .seconds(3))
        #expect(await fixture.deployments("hello").count == 1)

        // A wrong signature changes nothing.
        let body = #"{"repository": "apps", "ref": "refs/heads/main", "commit": "\#(v2.hex)"}"#
        let refused = try await Self.post(fixture, body: body, secret: "not the secret")
        #expect(refused.status == 401, "\(refused.text)")

        let accepted = try await Self.post(fixture, body: body, secret: Self.secret)
        #expect(accepted.status == 202, "\(accepted.text)\n\(fixture.serverLog)")
        #expect(accepted.text == #"{"message":"refreshing apps","refreshed":["apps"]}"#)
        #expect(await fixture.eventually {
            (await fixture.deployments("hello")).first.map { $0["commit"] as? String == v2.hex && $0["state"] as? String == "SUCCESS" }
                ?? false
        }, "\(fixture.serverLog)")
        #expect(await fixture.version("hello") == "2.0.0")
        #expect(await fixture.deployments("other").count == 1)
    }

    /// Each Git host's own push payload (its documented example, pointed at this repository and branch), signed
    /// its own way, makes the server fetch and deploy at once; the hour-long poll never would.
    @Test func everyProvidersPushDeploysTheApp() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.setPollInterval("1h")
        let secrets = ["github": "gh-e2e-secret", "gitlab": "gl-e2e-token", "gitea": "gt-e2e-secret",
                       "bitbucket": "bb-e2e-secret"]
        try fixture.appendServerConfig("webhooks:\n" + secrets.sorted { $0.key < $1.key }
            .map { "  \($0.key): {secret: \($0.value)}" }.joined(separator: "\n"))
        try fixture.startServer()
        #expect(await fixture.eventually { await fixture.version("hello") == "1.0.0" }, "\(fixture.serverLog)")
        let url = "file://\(fixture.bare.path)"

        for (index, provider) in ["github", "gitlab", "gitea", "bitbucket"].enumerated() {
            let version = "2.\(index).0"
            try fixture.setVersion("hello", version)
            let commit = try fixture.push("hello \(version) through \(provider)")
            let (body, headers) = try Self.delivery(provider, url: url, commit: commit.hex, secret: secrets[provider]!)
            let answer = try await Self.post(fixture, provider: provider, body: body, headers: headers)
            #expect(answer.status == 202, "\(provider): \(answer.text)")
            #expect(answer.text.contains(#""refreshed":["apps"]"#), "\(provider): \(answer.text)")
            #expect(await fixture.eventually { await fixture.version("hello") == version },
                    "\(provider): \(fixture.serverLog.suffix(3000))")
        }
        #expect(await fixture.deployments("hello").count == 5)
    }

    /// The provider's example payload from Tests/Fixtures/webhooks, pointed at `url` and `main`, with its
    /// signature headers.
    static func delivery(_ provider: String, url: String, commit: String, secret: String) throws
        -> (body: String, headers: [String: String]) {
        let name = ["github": "github-push", "gitlab": "gitlab-push", "gitea": "gitea-push",
                    "bitbucket": "bitbucket-server-refs-changed"][provider]!
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/webhooks/\(name).json")
        var payload = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: file)) as? [String: Any])
        switch provider {
        case "bitbucket":
            var repository = payload["repository"] as? [String: Any] ?? [:]
            repository["links"] = ["clone": [["href": url, "name": "http"]]]
            payload["repository"] = repository
            var change = (payload["changes"] as? [[String: Any]])?.first ?? [:]
            change["refId"] = "refs/heads/main"
            change["toHash"] = commit
            payload["changes"] = [change]
        default:
            payload["ref"] = "refs/heads/main"
            payload["after"] = commit
            for parent in ["repository", "project"] {
                guard var object = payload[parent] as? [String: Any] else { continue }
                object[provider == "gitlab" ? "git_http_url" : "clone_url"] = url
                payload[parent] = object
            }
        }
        let body = String(decoding: try JSONSerialization.data(withJSONObject: payload), as: UTF8.self)
        let signature = try sign(body, secret)
        let headers: [String: String] = switch provider {
        case "github": ["X-GitHub-Event": "push", "X-Hub-Signature-256": "sha256=" + signature]
        case "gitlab": ["X-Gitlab-Event": "Push Hook", "X-Gitlab-Token": secret]
        case "gitea": ["X-Gitea-Event": "push", "X-Gitea-Signature": signature]
        default: ["X-Event-Key": "repo:refs_changed", "X-Hub-Signature": "sha256=" + signature]
        }
        return (body, headers)
    }

    /// The hex HMAC-SHA256 of `body`, made with `openssl` as docs/webhooks.md shows a CI job doing.
    static func sign(_ body: String, _ secret: String) throws -> String {
        try runProcess("sh", ["-c", #"printf '%s' "$1" | openssl dgst -sha256 -hmac "$2" | sed 's/^.* //'"#,
                              "sign", body, secret]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// POSTs `body` to `/webhooks/generic`, signed as a CI job signs it.
    static func post(_ fixture: ServeFixture, body: String, secret: String) async throws -> (status: Int, text: String) {
        try await post(fixture, provider: "generic", body: body, headers: ["X-Capstan-Signature": "sha256=" + sign(body, secret)])
    }

    static func post(_ fixture: ServeFixture, provider: String, body: String, headers: [String: String]) async throws
        -> (status: Int, text: String) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(fixture.apiPort)/webhooks/\(provider)")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
