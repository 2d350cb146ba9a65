import CapstanConfig
import CapstanCore
import Foundation
import Testing

@Suite struct ServerConfigDecoderTests {
    private func decode(_ yaml: String) -> Decoded<ServerConfig> {
        ServerConfigDecoder.decode(Data(yaml.utf8), file: "capstan-server.yaml")
    }

    @Test func decodesTheDocumentedExample() throws {
        let config = try #require(decode("""
            dataDir: ./.capstan
            listen: 127.0.0.1:8080
            driftInterval: 10s
            selfHealWindow: 2m
            repositories:
              - name: apps
                url: file:///srv/git/apps.git
                branch: main
                pollInterval: 30s
              - name: infra
                url: https://git.example.com/org/infra.git
                credentials: {tokenEnv: INFRA_TOKEN, username: ci}
            targets:
              - name: local
                plugin: process
                config: {metricsPort: 19100, bind: "127.0.0.1", tags: [a, 1], debug: true, nothing: null}
            """).validValue)
        #expect(config.dataDir == "./.capstan" && config.listen == "127.0.0.1:8080")
        #expect(config.driftInterval == .seconds(10) && config.selfHealWindow == .seconds(120))
        #expect(config.repositories == [
            RepositoryConfig(name: "apps", url: "file:///srv/git/apps.git"),
            RepositoryConfig(name: "infra", url: "https://git.example.com/org/infra.git",
                             credentials: .token(source: .environment("INFRA_TOKEN"), username: "ci")),
        ])
        #expect(config.targets == [TargetConfig(name: "local", plugin: "process", config: [
            "metricsPort": .number(19100), "bind": .string("127.0.0.1"), "tags": .array([.string("a"), .number(1)]),
            "debug": .bool(true), "nothing": .null,
        ])])
    }

    @Test func emptyConfigTakesEmbeddedDefaults() throws {
        let config = try #require(decode("{}").validValue)
        #expect(config == ServerConfig())
        #expect(config.targets == [.local])
    }

    @Test func reportsEveryErrorWithLineAndField() {
        let errors = decode("""
            listen: localhost
            repositories:
              - name: apps
                url: https://user:secret@git.example.com/apps.git
                pollInterval: 0s
              - name: apps
                url: file:///x
                credentials: {tokenEnv: A, sshKeyFile: /k}
              - name: other
                urll: file:///y
            targets:
              - {name: local, plugin: process, config: [1, 2]}
            """).diagnostics.map(\.description)
        #expect(Set(errors) == [
            "capstan-server.yaml:1:9: listen: expected host:port like 127.0.0.1:8080, got \"localhost\"",
            "capstan-server.yaml:4:10: repositories[0].url: the URL holds a password or token; name it with credentials.tokenEnv or tokenFile instead",
            "capstan-server.yaml:5:19: repositories[0].pollInterval: must be longer than 0s",
            "capstan-server.yaml:8:18: repositories[1].credentials: give exactly one of tokenEnv, tokenFile or sshKeyFile (got tokenEnv, sshKeyFile)",
            "capstan-server.yaml:10:5: repositories[2].urll: unknown field \"urll\"; did you mean \"url\"?",
            "capstan-server.yaml:9:5: repositories[2].url: required field is missing",
            "capstan-server.yaml:12:44: targets[0].config: expected a mapping, got a list",
        ], "\(errors)")
        #expect(errors.count == 7)
    }

    @Test func duplicateNamesAreRefused() {
        let errors = decode("""
            targets:
              - {name: local, plugin: process}
              - {name: local, plugin: script}
            """).diagnostics.map(\.description)
        #expect(errors == ["capstan-server.yaml:2:3: targets: two target entries are named \"local\""])
    }

    @Test func secretsAreNamedNeverRead() throws {
        let config = try #require(decode("""
            repositories:
              - name: r
                url: git@github.com:org/repo.git
                credentials: {sshKeyFile: /keys/deploy, passphraseEnv: KEY_PASS}
            """).validValue)
        #expect(config.repositories[0].credentials
            == .sshKey(path: "/keys/deploy", passphrase: .environment("KEY_PASS"), username: nil))
        #expect(SecretSource.environment("KEY_PASS").description == "environment variable KEY_PASS")
    }

    @Test func decodesAnalysisProviders() throws {
        let config = try #require(decode("""
            analysisProviders:
              - {name: prometheus, type: prometheus, url: http://127.0.0.1:9090, timeout: 10s}
              - {name: smoke, type: http, timeout: 5s}
              - name: thanos
                type: prometheus
                url: https://metrics.example.com/prometheus/
                credentials: {tokenFile: /run/secrets/thanos}
              - name: mimir
                type: prometheus
                url: https://mimir.example.com
                credentials: {username: capstan, passwordEnv: MIMIR_PASSWORD}
              - {name: plain, type: http}
            """).validValue)
        #expect(config.analysisProviders == [
            AnalysisProviderConfig(name: "prometheus", kind: .prometheus, url: "http://127.0.0.1:9090", timeout: .seconds(10)),
            AnalysisProviderConfig(name: "smoke", kind: .http, timeout: .seconds(5)),
            AnalysisProviderConfig(name: "thanos", kind: .prometheus, url: "https://metrics.example.com/prometheus/",
                                   credentials: .bearer(token: .file("/run/secrets/thanos"))),
            AnalysisProviderConfig(name: "mimir", kind: .prometheus, url: "https://mimir.example.com",
                                   credentials: .basic(username: "capstan", password: .environment("MIMIR_PASSWORD"))),
            AnalysisProviderConfig(name: "plain", kind: .http, timeout: .seconds(10)),
        ])
        #expect(try #require(decode("{}").validValue).analysisProviders == [])
    }

    @Test func reportsEveryAnalysisProviderError() {
        let errors = decode("""
            analysisProviders:
              - {name: a, type: promethus, url: http://p:9090}
              - {name: b, type: prometheus, url: "localhost:9090"}
              - {name: c, type: prometheus, url: "http://user:pw@p:9090"}
              - {name: d, type: prometheus}
              - {name: e, type: http, url: http://x, credentials: {tokenEnv: T}}
              - {name: f, type: prometheus, url: http://p, timout: 5s}
              - {name: g, type: prometheus, url: http://p, credentials: {tokenEnv: T, passwordEnv: P}}
              - {name: h, type: prometheus, url: http://p, credentials: {tokenEnv: T, username: u}}
              - {name: i, type: prometheus, url: http://p, credentials: {passwordFile: /p}}
              - {name: j, type: prometheus, url: "http://p/?x=1", timeout: 0s}
            """).diagnostics.map(\.description)
        #expect(Set(errors) == [
            "capstan-server.yaml:2:21: analysisProviders[0].type: expected one of prometheus, http, got \"promethus\"; did you mean \"prometheus\"?",
            "capstan-server.yaml:3:38: analysisProviders[1].url: expected an http:// or https:// URL like http://127.0.0.1:9090, got \"localhost:9090\"",
            "capstan-server.yaml:4:38: analysisProviders[2].url: the URL holds credentials; name them with credentials (tokenEnv, passwordEnv, ...) instead",
            "capstan-server.yaml:5:5: analysisProviders[3].url: required field is missing (the Prometheus server, like http://127.0.0.1:9090)",
            "capstan-server.yaml:6:32: analysisProviders[4].url: an http provider has no url: each metric's query is the URL it checks",
            "capstan-server.yaml:6:55: analysisProviders[4].credentials: an http provider sends no credentials: its URLs come from the applications' metrics, so they could be sent anywhere",
            "capstan-server.yaml:7:48: analysisProviders[5].timout: unknown field \"timout\"; did you mean \"timeout\"?",
            "capstan-server.yaml:8:61: analysisProviders[6].credentials: give exactly one of tokenEnv, tokenFile (a bearer token), passwordEnv or passwordFile (basic auth) (got tokenEnv, passwordEnv)",
            "capstan-server.yaml:9:85: analysisProviders[7].credentials.username: username only applies to basic auth (passwordEnv or passwordFile)",
            "capstan-server.yaml:10:61: analysisProviders[8].credentials.username: basic auth needs a username",
            "capstan-server.yaml:11:38: analysisProviders[9].url: expected the server's base URL without ?query or #fragment, got \"http://p/?x=1\"",
            "capstan-server.yaml:11:64: analysisProviders[9].timeout: must be longer than 0s",
        ], "\(errors)")
        #expect(errors.count == 12, "\(errors)")
    }

    @Test func duplicateProviderNamesAreRefused() {
        let errors = decode("""
            analysisProviders:
              - {name: prometheus, type: prometheus, url: http://a:9090}
              - {name: prometheus, type: http}
            """).diagnostics.map(\.description)
        #expect(errors == ["capstan-server.yaml:2:3: analysisProviders: two analysis provider entries are named \"prometheus\""])
    }

    @Test func decodesAuth() throws {
        let config = try #require(decode("""
            auth: {tokensFile: tokens.jsonl, anonymousRead: false}
            """).validValue)
        #expect(config.auth == AuthConfig(tokensFile: "tokens.jsonl", anonymousRead: false))
        let open = try #require(decode("auth:\n  tokensFile: /etc/capstan/tokens.jsonl\n").validValue)
        #expect(open.auth == AuthConfig(tokensFile: "/etc/capstan/tokens.jsonl", anonymousRead: true))
        #expect(try #require(decode("{}").validValue).auth == nil)
    }

    @Test func reportsEveryAuthError() {
        #expect(decode("auth: {anonymousRead: false}").diagnostics.map(\.description)
            == ["capstan-server.yaml:1:7: auth.tokensFile: required field is missing"])
        #expect(decode("auth: {tokensFile: t, anonymousRead: maybe}").diagnostics.map(\.description)
            == ["capstan-server.yaml:1:38: auth.anonymousRead: expected true or false, got \"maybe\""])
        #expect(decode("auth: {tokenFile: t}").diagnostics.map(\.description).contains {
            $0.hasPrefix("capstan-server.yaml:1:8: auth.tokenFile: unknown field \"tokenFile\"; did you mean \"tokensFile\"?")
        })
        #expect(decode("auth: tokens.jsonl").diagnostics.count == 1)
    }

    @Test func decodesWebhooks() throws {
        let config = try #require(decode("""
            repositories:
              - name: apps
                url: git@github.com:org/apps.git
                webhookSecret: {secretEnv: APPS_WEBHOOK_SECRET}
              - {name: infra, url: "https://github.com/org/infra", webhookSecret: {secret: "s3cret"}}
              - {name: plain, url: "file:///srv/git/plain.git"}
            webhooks:
              maxBodyBytes: 1048576
              github: {secretEnv: GITHUB_WEBHOOK_SECRET}
              gitlab: {secretFile: /run/secrets/gitlab-webhook}
              gitea: {secret: "inline secret", insecure: false}
              generic: {insecure: true}
            """).validValue)
        #expect(config.webhooks == WebhookConfig(providers: [
            .github: .secret(.source(.environment("GITHUB_WEBHOOK_SECRET"))),
            .gitlab: .secret(.source(.file("/run/secrets/gitlab-webhook"))),
            .gitea: .secret(.inline("inline secret")),
            .generic: .insecure,
        ], maxBodyBytes: 1_048_576))
        #expect(config.repositories.map(\.webhookSecret) == [
            .source(.environment("APPS_WEBHOOK_SECRET")), .inline("s3cret"), nil,
        ])
        let none = try #require(decode("{}").validValue)
        #expect(none.webhooks == WebhookConfig() && none.webhooks.maxBodyBytes == 26_214_400)
        #expect(try #require(decode("webhooks: {}").validValue).webhooks == WebhookConfig())
    }

    @Test func reportsEveryWebhookError() {
        let errors = decode("""
            repositories:
              - {name: apps, url: "file:///a", webhookSecret: {secretEnv: A, secret: b}}
              - {name: web, url: "file:///w", webhookSecret: {}}
            webhooks:
              maxBodyBytes: 0
              github: {secretEnv: A, secretFile: /b}
              gitlab: {insecure: true, secret: s}
              gitea: {insecure: false}
              bitbucket: {secrt: x}
              svn: {secret: s}
              generic: {secret: ""}
            """).diagnostics.map(\.description)
        #expect(Set(errors) == [
            "capstan-server.yaml:2:51: repositories[0].webhookSecret: give exactly one of secret, secretEnv or secretFile (got secret, secretEnv)",
            "capstan-server.yaml:3:50: repositories[1].webhookSecret: give exactly one of secret, secretEnv or secretFile",
            "capstan-server.yaml:5:17: webhooks.maxBodyBytes: must be between 1 and 1073741824, got 0",
            "capstan-server.yaml:6:11: webhooks.github: give exactly one of secret, secretEnv or secretFile (got secretEnv, secretFile)",
            "capstan-server.yaml:7:22: webhooks.gitlab.insecure: insecure: true accepts unsigned deliveries, so it takes no secret (got secret)",
            "capstan-server.yaml:8:10: webhooks.gitea: give exactly one of secret, secretEnv or secretFile (or insecure: true to accept unsigned deliveries)",
            "capstan-server.yaml:9:15: webhooks.bitbucket.secrt: unknown field \"secrt\"; did you mean \"secret\"?",
            "capstan-server.yaml:9:14: webhooks.bitbucket: give exactly one of secret, secretEnv or secretFile (or insecure: true to accept unsigned deliveries)",
            "capstan-server.yaml:10:3: webhooks.svn: unknown field \"svn\"; known fields: github, gitlab, gitea, bitbucket, generic, maxBodyBytes",
            "capstan-server.yaml:11:21: webhooks.generic.secret: must not be empty",
        ], "\(errors)")
    }

    @Test func webhookSecretsAreNeverPrinted() throws {
        let config = try #require(decode("""
            repositories: [{name: apps, url: "file:///a", webhookSecret: {secret: repo-secret-value}}]
            webhooks: {github: {secret: provider-secret-value}}
            """).validValue)
        for text in ["\(config)", String(reflecting: config), "\(config.webhooks)"] {
            #expect(!text.contains("secret-value"), "\(text)")
        }
        #expect(WebhookSecret.inline("x").description == "the secret written in the config")
        #expect(WebhookSecret.source(.environment("E")).description == "environment variable E")
    }
}
