import ArgumentParser
import CapstanCore
import CapstanEngine
import CapstanStore
import Logging
import ServiceLifecycle

extension Capstan.Serve {
    /// How long one delivery may take, connecting included: a receiver that hangs costs its own queue this
    /// much per attempt, and nothing else.
    static let notificationTimeout: Duration = .seconds(10)

    /// The notifier of `notifications:`, over the store's outbox.
    static func notifier(_ settings: ServerConfig, store: SQLiteDeploymentStore, logger: Logger) throws -> Notifier {
        Notifier(targets: try notificationTargets(settings), store: store, outbox: store,
                 transport: URLSessionNotificationTransport(timeout: notificationTimeout), logger: logger)
    }

    /// The receivers of `notifications:`, with every signing secret read now: a missing one stops the start
    /// with a message naming the field, rather than deliveries failing later.
    static func notificationTargets(_ settings: ServerConfig) throws -> [NotificationTarget] {
        var targets: [NotificationTarget] = []
        for (index, config) in settings.notifications.enumerated() {
            let field = "notifications[\(index)]"
            let secret: String?
            switch config.secret {
            case nil: secret = nil
            case .inline(let text): secret = text
            case .source(let source):
                let key = if case .environment = source { "secretEnv" } else { "secretFile" }
                do {
                    secret = try SecretReader.read(source)
                } catch {
                    throw ValidationError("\(field).\(key): \(error)")
                }
            }
            do {
                targets.append(try NotificationTarget(config, secret: secret, defaultLink: "http://\(settings.listen)"))
            } catch {
                throw ValidationError("\(field): \(error)")
            }
        }
        return targets
    }
}

/// Runs the notifier as a service of the group. On graceful shutdown it lets a delivery in flight finish
/// and records it (at most ``Capstan/Serve/notificationTimeout``), so a restart sends nothing twice.
struct NotifierService: Service {
    let notifier: Notifier

    func run() async throws {
        await withGracefulShutdownHandler {
            await notifier.run()
        } onGracefulShutdown: {
            notifier.stop()
        }
    }
}
