import CapstanCore
import CapstanTesting
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Known secret strings everywhere a server holds one — a webhook secret from the environment and one written
/// in the config, a Git token, an API token, a password in a repository URL — through a full run (refusals,
/// deliveries, a sync, a deployment whose script prints its environment), then a scan of everything the
/// server wrote or showed: its log, its store, its data folder, every API answer, the stage logs, and the
/// environment of the plugin, the instances and HAProxy. None may hold any of them.
@Suite(.serialized, .timeLimit(.minutes(3))) struct SecretSweepEndToEndTests {
    static let githubSecret = "whsec-SWEEP-1a2b3c", inlineSecret = "inline-SWEEP-3c4d5e"
    static let urlPassword = "pw-SWEEP-5e6f7g", gitToken = "gittok-SWEEP-7g8h9i"

    @Test func noSecretIsEverWrittenOrShown() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        let configURL = fixture.root.appendingPathComponent("server.yaml")
        let original = try String(contentsOf: configURL, encoding: .utf8)
        func withRepository(_ line: String) -> Data {
            Data(original.replacingOccurrences(of: "repositories:\n", with: "repositories:\n  - \(line)\n").utf8)
        }

        // A password in a repository's URL stops the start, and the refusal does not repeat it.
        try withRepository(#"{name: vault, url: "https://sweeper:\#(Self.urlPassword)@127.0.0.1:1/x.git"}"#).write(to: configURL)
        try fixture.startServer()
        #expect(await fixture.waitForServerExit(seconds: 60))
        #expect(fixture.serverLog.contains("holds a password"), "\(fixture.serverLog)")

        // The real setup: the same repository with its token from the environment (it cannot be reached, so
        // every poll fails and says so), webhook secrets, and tokens.
        try withRepository("{name: vault, url: \"https://127.0.0.1:1/x.git\", pollInterval: 1s, "
            + "credentials: {tokenEnv: CAPSTAN_SWEEP_GIT}}").write(to: configURL)
        try fixture.appendServerConfig("""
            webhooks:
              github: {secretEnv: CAPSTAN_SWEEP_GITHUB}
              generic: {secret: "\(Self.inlineSecret)"}
            auth: {tokensFile: tokens.jsonl}
            """)
        let created = try await CIFlowEndToEndTests.capstan(
            ["token", "create", "--name", "ci", "--role", "deployer", "--config", configURL.path])
        let apiToken = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(apiToken.hasPrefix("capstan_"), "\(created.stderr)")
        let secrets = [Self.githubSecret, Self.inlineSecret, Self.urlPassword, Self.gitToken, apiToken]

        try fixture.startServer(environment: ["CAPSTAN_SWEEP_GITHUB": Self.githubSecret, "CAPSTAN_SWEEP_GIT": Self.gitToken])
        #expect(await fixture.eventually { await fixture.version("hello") == "1.0.0" }, "\(fixture.serverLog)")

        // v2 runs a script that prints its whole environment into the stage log.
        try fixture.configure("hello", """
            pipeline:
              - stage: SCRIPT_RUN
                with: {run: "env; echo done"}
              - stage: CANARY_ROLLOUT
                with: {replicas: 1}
              - stage: PRIMARY_ROLLOUT
              - stage: CANARY_CLEAN

            """)
        try fixture.setVersion("hello", "2.0.0")
        let v2 = try fixture.push("v2 prints its environment")
        // Refused deliveries (a wrong signature, a wrong token) and accepted ones, all logged.
        let body = #"{"repository": "apps", "ref": "refs/heads/main"}"#
        _ = try await WebhookEndToEndTests.post(fixture, body: body, secret: "not-the-secret")
        _ = try await WebhookEndToEndTests.post(fixture, body: body, secret: Self.inlineSecret)
        _ = try await WebhookEndToEndTests.post(fixture, provider: "github", body: body, headers: [
            "X-GitHub-Event": "ping", "X-Hub-Signature-256": "sha256=" + WebhookEndToEndTests.sign(body, Self.githubSecret)])
        let refused = try await CIFlowEndToEndTests.capstan(
            ["app", "sync", "hello", "--server", "http://127.0.0.1:\(fixture.apiPort)"], token: apiToken + "x")
        #expect(refused.status == 1)
        let ended = await fixture.waitForEnd("hello", at: v2.hex)
        #expect(ended?["state"] as? String == "SUCCESS", "\(String(describing: ended))\n\(fixture.serverLog.suffix(3000))")
        let synced = try await CIFlowEndToEndTests.capstan(
            ["app", "sync", "hello", "-q", "--server", "http://127.0.0.1:\(fixture.apiPort)"], token: apiToken)
        #expect(synced.status == 0, "\(synced.stderr)")
        // The unreachable repository's polls failed (with its token in hand) and said so in events.
        #expect(await fixture.eventually(20) { (await fixture.text("/api/v1/events?limit=1000"))?.contains("vault") == true })

        // Everything shown or written.
        var seen: [(String, String)] = [("the server log", fixture.serverLog), ("the CLI", created.stderr + refused.stderr + synced.stdout)]
        let id = try #require(ended?["id"] as? String)
        let stageLog = await fixture.text("/api/v1/deployments/\(id)/stages/0/logs") ?? ""
        #expect(stageLog.contains("CAPSTAN_APP=hello"), "the script's environment is in its log: \(stageLog)")
        for path in ["/api/v1/apps", "/api/v1/apps/hello", "/api/v1/apps/vault", "/api/v1/deployments",
                     "/api/v1/deployments/\(id)", "/api/v1/events?limit=1000", "/api/v1/openapi.yaml", "/metrics"] {
            seen.append((path, await fixture.text(path) ?? ""))
        }
        seen.append(("stage 0's log", stageLog))
        for file in Self.files(under: fixture.root.appendingPathComponent("data")) {
            seen.append((file.path, String(decoding: (try? Data(contentsOf: file)) ?? Data(), as: UTF8.self)))
        }
        // Not the server itself: its environment is where the secrets come from.
        for pid in (fixture.processesInside() + Self.pluginProcesses()).filter({ !Self.isServer($0) }) {
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            seen.append(("the environment of pid \(pid)", String(decoding: environ, as: UTF8.self)))
        }
        #expect(seen.count > 20)
        for (place, text) in seen {
            for secret in secrets {
                #expect(!text.contains(secret), "\(place) holds a secret")
            }
        }
    }

    /// Every regular file under `folder` (the store and its WAL, mirrors, checkouts, plugin state, HAProxy's config).
    static func files(under folder: URL) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        return (enumerator?.allObjects as? [URL] ?? []).filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }
    }

    static func isServer(_ pid: Int32) -> Bool {
        let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
        return command.split(separator: 0).contains { String(decoding: $0, as: UTF8.self) == "serve" }
    }

    /// The process plugins running now (children of a server: their environment is the server's to choose).
    static func pluginProcesses() -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap(Int32.init).filter { pid in
            let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            return String(decoding: command, as: UTF8.self).contains("capstan-plugin-process")
        }
    }
}
