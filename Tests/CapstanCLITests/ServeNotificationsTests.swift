import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanEngine
import Foundation
import Testing

/// `capstan serve` reads the notifications' signing secrets at start: a missing one stops it, naming the field.
@Suite struct ServeNotificationsTests {
    @Test func secretsAreReadAtStart() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-secret-\(UUID().uuidString)")
        try Data("  from-a-file\n".utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let settings = ServerConfig(listen: "127.0.0.1:9090", notifications: [
            NotificationConfig(name: "plain", url: "http://r.example/a"),
            NotificationConfig(name: "inline", url: "http://r.example/b", secret: .inline("s")),
            NotificationConfig(name: "file", url: "http://r.example/c", secret: .source(.file(file.path)),
                               link: "https://capstan.example.com"),
        ])
        let targets = try Capstan.Serve.notificationTargets(settings)
        #expect(targets.map(\.config.name) == ["plain", "inline", "file"])
        #expect(targets.map { $0.request(for: Self.delivery).headers["X-Capstan-Signature"] != nil } == [false, true, true])
    }

    @Test(arguments: [
        (SecretSource.environment("CAPSTAN_TEST_SURELY_UNSET_SECRET"),
         "notifications[1].secretEnv: the environment variable CAPSTAN_TEST_SURELY_UNSET_SECRET is not set"),
        (.file("/nonexistent/capstan/secret"), "notifications[1].secretFile: cannot read the file /nonexistent/capstan/secret"),
    ])
    func aMissingSecretStopsTheStartNamingTheField(source: SecretSource, message: String) {
        let settings = ServerConfig(notifications: [
            NotificationConfig(name: "ok", url: "http://r.example/a"),
            NotificationConfig(name: "broken", url: "http://r.example/b", secret: .source(source)),
        ])
        #expect {
            try Capstan.Serve.notificationTargets(settings)
        } throws: { error in
            (error as? ValidationError)?.message == message
        }
    }

    static let delivery = NotificationDelivery(notification: "x", sequence: 1, kind: .deploymentCreated, body: Data("{}".utf8),
                                               nextAttemptAt: Date(timeIntervalSince1970: 0), createdAt: Date(timeIntervalSince1970: 0))
}
