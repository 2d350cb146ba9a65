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
}
