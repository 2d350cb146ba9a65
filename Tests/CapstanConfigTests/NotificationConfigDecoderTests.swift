import CapstanConfig
import CapstanCore
import Foundation
import Testing

/// The server config's `notifications:` block: decoded with located errors, in the schema, secrets never printed.
@Suite struct NotificationConfigDecoderTests {
    private func decode(_ yaml: String) -> Decoded<ServerConfig> {
        ServerConfigDecoder.decode(Data(yaml.utf8), file: "capstan-server.yaml")
    }

    @Test func decodesEveryField() throws {
        let config = try #require(decode("""
            notifications:
              - name: ops
                url: https://hooks.example.com/capstan?team=ops
                events: ["deployment.*", stage.state_changed, "*"]
                apps: [checkout, billing]
                labels: {team: payments, tier: 1}
                secretEnv: OPS_WEBHOOK_SECRET
                link: https://capstan.example.com/
              - name: chat
                url: https://hooks.slack.com/services/T0/B0/XYZ
                format: slack
                secretFile: /run/secrets/chat
              - {name: plain, url: "http://127.0.0.1:9000/hook", secret: inline-secret, format: json}
            """).validValue)
        #expect(config.notifications == [
            NotificationConfig(name: "ops", url: "https://hooks.example.com/capstan?team=ops",
                               events: [EventPattern("deployment.*")!, EventPattern("stage.state_changed")!, EventPattern("*")!],
                               apps: ["checkout", "billing"], labels: ["team": "payments", "tier": "1"],
                               secret: .source(.environment("OPS_WEBHOOK_SECRET")), link: "https://capstan.example.com"),
            NotificationConfig(name: "chat", url: "https://hooks.slack.com/services/T0/B0/XYZ",
                               secret: .source(.file("/run/secrets/chat")), format: .slack),
            NotificationConfig(name: "plain", url: "http://127.0.0.1:9000/hook", secret: .inline("inline-secret")),
        ])
    }

    @Test func defaultsAndAbsence() throws {
        let config = try #require(decode("notifications:\n  - {name: all, url: \"http://r.example\"}\n").validValue)
        let all = try #require(config.notifications.first)
        #expect(all.events.isEmpty && all.apps.isEmpty && all.labels.isEmpty)
        #expect(all.secret == nil && all.format == .json && all.link == nil)
        #expect(try #require(decode("{}").validValue).notifications == [])
        #expect(try #require(decode("notifications: []").validValue).notifications == [])
    }

    @Test func reportsEveryErrorWithLineAndField() {
        let errors = decode("""
            notifications:
              - {name: a, url: "ftp://files.example.com/x"}
              - {name: b, url: "hooks.example.com/x"}
              - {name: c, url: "https://user:pw@hooks.example.com/x"}
              - {name: d, url: "http://r", events: [deploymnet.*, deployment.done, "*"]}
              - {name: e, url: "http://r", format: teams}
              - {name: f, url: "http://r", secret: s, secretEnv: S}
              - {name: g, url: "http://r", link: "https://c.example.com/?x=1"}
              - {name: h, url: "http://r", apps: [Checkout], labels: [a]}
              - {name: i, url: "http://r", secrets: s}
              - {url: "http://r"}
              - {name: ok, url: "http://r"}
              - {name: ok, url: "http://s"}
            """).diagnostics.map(\.description)
        #expect(Set(errors) == [
            "capstan-server.yaml:2:20: notifications[0].url: expected an http:// or https:// URL like https://hooks.example.com/capstan, got \"ftp://files.example.com/x\"",
            "capstan-server.yaml:3:20: notifications[1].url: expected an http:// or https:// URL like https://hooks.example.com/capstan, got \"hooks.example.com/x\"",
            "capstan-server.yaml:4:20: notifications[2].url: the URL holds a user or password; receivers authenticate deliveries by their signature (secret, secretEnv or secretFile)",
            "capstan-server.yaml:5:41: notifications[3].events[0]: unknown event kind \"deploymnet.*\"; did you mean \"deployment.*\"?",
            "capstan-server.yaml:5:55: notifications[3].events[1]: unknown event kind \"deployment.done\"; known: *, deployment.*, stage.*, analysis.*, approval.*, app.*, repository.*, deployment.created, deployment.state_changed, deployment.replanned, stage.state_changed, stage.log, analysis.measurement, analysis.verdict, analysis.result, approval.recorded, app.status_changed, repository.polled, repository.error",
            "capstan-server.yaml:6:40: notifications[4].format: expected one of json, slack, got \"teams\"",
            "capstan-server.yaml:7:5: notifications[5]: give exactly one of secret, secretEnv or secretFile (got secret, secretEnv)",
            "capstan-server.yaml:8:38: notifications[6].link: expected a base URL without ?query or #fragment, got \"https://c.example.com/?x=1\"",
            "capstan-server.yaml:9:39: notifications[7].apps[0]: expected a name of lowercase letters, digits and '-' starting with a letter (at most 63), got \"Checkout\"",
            "capstan-server.yaml:9:58: notifications[7].labels: expected a mapping of strings, got a list",
            "capstan-server.yaml:10:32: notifications[8].secrets: unknown field \"secrets\"; did you mean \"secret\"?",
            "capstan-server.yaml:11:5: notifications[9].name: required field is missing",
            "capstan-server.yaml:2:3: notifications: two notification entries are named \"ok\"",
        ], "\(errors)")
        #expect(errors.count == 13, "\(errors)")
    }

    @Test func signingSecretsAreNeverPrinted() throws {
        let config = try #require(decode("""
            notifications: [{name: ops, url: "http://r", secret: signing-secret-value}]
            """).validValue)
        for text in ["\(config)", String(reflecting: config), "\(config.notifications)"] {
            #expect(!text.contains("signing-secret-value"), "\(text)")
        }
    }

    @Test("the schema's event kinds are the decoder's")
    func schemaListsTheKnownPatterns() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: SchemaTests.serverSchema))
        let defs = try #require((json as? [String: Any])?["$defs"] as? [String: Any])
        let notification = try #require(defs["Notification"] as? [String: Any])
        let events = try #require((notification["properties"] as? [String: Any])?["events"] as? [String: Any])
        let items = try #require(events["items"] as? [String: Any])
        #expect(items["enum"] as? [String] == EventPattern.known)
    }

    @Test("notifications against the server schema")
    func notificationsValidate() throws {
        let python = try SchemaTests.python()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.yaml"), bad = folder.appendingPathComponent("bad.yaml")
        try Data("""
            notifications:
              - {name: ops, url: "https://hooks.example.com/x", events: ["deployment.*"], apps: [checkout],
                 labels: {team: payments, tier: 1}, secretEnv: OPS, link: "https://capstan.example.com"}
              - {name: chat, url: "https://hooks.slack.com/services/T/B/X", format: slack}
            """.utf8).write(to: good)
        try Data("""
            notifications:
              - {name: a, url: "ftp://x"}
              - {name: b, url: "http://r", events: [deploy.*]}
              - {name: c, url: "http://r", secret: s, secretFile: /f}
              - {name: d, url: "http://r", format: teams}
            """.utf8).write(to: bad)
        #expect(ServerConfigDecoder.decode(try Data(contentsOf: good), file: "good.yaml").diagnostics.isEmpty)
        #expect(ServerConfigDecoder.decode(try Data(contentsOf: bad), file: "bad.yaml").diagnostics.count == 4)
        let valid = try SchemaTests.run(python, [SchemaTests.validator.path, SchemaTests.serverSchema.path, good.path])
        #expect(valid.status == 0, "validate.py exited \(valid.status):\n\(valid.output)")
        let invalid = try SchemaTests.run(python, [SchemaTests.validator.path, SchemaTests.serverSchema.path, bad.path])
        #expect(invalid.status == 1, "validate.py exited \(invalid.status):\n\(invalid.output)")
        for field in ["notifications[0]", "notifications[1]", "notifications[2]", "notifications[3]"] {
            #expect(invalid.output.contains(field), "\(field) is not reported:\n\(invalid.output)")
        }
    }
}
