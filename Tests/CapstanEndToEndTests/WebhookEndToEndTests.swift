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

    /// POSTs `body` to `/webhooks/generic`, signed with `openssl` as docs/webhooks.md shows a CI job doing.
    static func post(_ fixture: ServeFixture, body: String, secret: String) async throws -> (status: Int, text: String) {
        let digest = try runProcess("sh", ["-c", #"printf '%s' "$1" | openssl dgst -sha256 -hmac "$2" | sed 's/^.* //'"#,
                                           "sign", body, secret]).stdout
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(fixture.apiPort)/webhooks/generic")!)
        request.httpMethod = "POST"
        request.httpBody = Data(body.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("sha256=" + digest.trimmingCharacters(in: .whitespacesAndNewlines),
                         forHTTPHeaderField: "X-Capstan-Signature")
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }
}
