public import ArgumentParser
import CapstanAnalysis
import CapstanConfig
import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanPluginKit
import CapstanServer
import CapstanStore
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

extension Capstan {
    /// `capstan serve`: the controller — polls repositories, deploys, and serves the API — in one process.
    public struct Serve: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Run the controller: watch repositories, deploy, serve the API.",
            discussion: "Without --config it runs on embedded defaults: data in ./.capstan, the process platform, 127.0.0.1:8080."
        )

        @Option(help: "The server config (YAML).")
        var config: String?

        @Option(help: "The data folder; overrides dataDir of the config.")
        var data: String?

        public init() {}

        public func run() async throws {
            LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            let logger = Logger(label: "capstan")
            let settings = try loadConfig()
            let dataDir = URL(fileURLWithPath: data ?? settings.dataDir)
            try FileManager.default.createDirectory(at: dataDir, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
            let lock = try DataDirLock(dataDir.appendingPathComponent("capstan.lock"))
            defer { lock.release() }
            let store = try SQLiteDeploymentStore.open(at: dataDir.appendingPathComponent("capstan.sqlite"))
            let stageLogs = StageLogRecorder(store: store) { plugin, line in
                logger.info("\(line)", metadata: ["capstan.plugin": "\(plugin)"])
            }
            let hosts = try pluginHosts(settings, dataDir: dataDir, sink: stageLogs)
            var reconcilers: [RepositoryReconciler] = []
            var loaders: [String: GitContextLoader] = [:]
            for repository in settings.repositories {
                let mirror = try GitMirror(remote: repository.url, credentials: try SecretReader.credentials(repository),
                                           cacheDirectory: dataDir.appendingPathComponent("mirrors"))
                reconcilers.append(RepositoryReconciler(repository: repository, source: mirror, store: store))
                loaders[repository.name] = GitContextLoader(
                    source: mirror, store: store, checkoutRoot: dataDir.appendingPathComponent("checkouts/\(repository.name)"))
            }
            let providers = try MetricProviders.make(settings.analysisProviders, secret: SecretReader.read)
            let runner = DeploymentRunner(store: store, loader: RepositoryContextLoader(loaders: loaders, store: store),
                                          platforms: hosts, analysisProviders: providers)
            let drift = DriftDetector(store: store, readers: loaders, platforms: hosts, selfHealWindow: settings.selfHealWindow)
            let controller = Controller(reconcilers: reconcilers, runner: runner, store: store, drift: drift,
                                        driftInterval: settings.driftInterval, logger: logger)
            let notifier = try Self.notifier(settings, store: store, logger: logger)
            try await notifier.prepare()  // before anything appends: a new receiver starts at the end of the log
            let (host, port) = try Self.split(settings.listen)
            let metrics: @Sendable () -> String = {
                var buffer: [UInt8] = []
                registry.emit(into: &buffer)
                return String(decoding: buffer, as: UTF8.self)
            }
            let auth = try authConfiguration(settings)
            let webhooks: WebhookSettings
            do {
                webhooks = try WebhookSettings(settings, secret: SecretReader.read)
            } catch {
                throw ValidationError("\(error)")
            }
            let api = CapstanAPI.application(store: store, host: host, port: port, logger: logger, metrics: metrics,
                                             commands: controller, syncCommands: controller, auth: auth,
                                             webhooks: webhooks,
                                             onListening: { bound in
                logger.info("capstan serve: API on http://\(host):\(bound), data in \(dataDir.path)")
                logger.info("capstan serve: \(Self.describe(auth))")
            })
            let group = ServiceGroup(configuration: .init(
                services: [.init(service: StageLogService(recorder: stageLogs)),
                           .init(service: ControllerService(controller: controller)),
                           .init(service: NotifierService(notifier: notifier)), .init(service: api)],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
            for host in hosts.values { await host.shutdown() }
            logger.info("capstan serve: stopped; running deployments resume at the next start")
        }

        private func loadConfig() throws -> ServerConfig {
            guard let config else { return ServerConfig(repositories: [], targets: [.local]) }
            let url = URL(fileURLWithPath: config)
            guard let bytes = FileManager.default.contents(atPath: url.path) else {
                throw ValidationError("cannot read \(config)")
            }
            let decoded = ServerConfigDecoder.decode(bytes, file: config)
            guard let value = decoded.validValue else {
                throw ValidationError(decoded.diagnostics.map(\.description).joined(separator: "\n"))
            }
            return value
        }

        /// The API's token check from `auth:`, its tokens file read once now so that a broken one stops the start.
        private func authConfiguration(_ settings: ServerConfig) throws -> AuthConfiguration? {
            guard let auth = settings.auth, let config else { return nil }
            let configuration = AuthConfiguration(auth, configFile: config)
            do {
                _ = try TokenFile.read(configuration.tokensFile)
            } catch {
                throw ValidationError("auth.tokensFile: \(error)")
            }
            if let problem = TokenFile.unsafePermissions(configuration.tokensFile) {
                throw ValidationError("auth.tokensFile: \(problem)")
            }
            return configuration
        }

        /// One line on who may do what, so that an operator sees at start whether commands are open.
        static func describe(_ auth: AuthConfiguration?) -> String {
            guard let auth else { return "no auth: reads open to all, commands only from this machine" }
            let reads = auth.anonymousRead ? "reads open to all" : "reads need a token"
            return "auth with tokens from \(auth.tokensFile): \(reads), commands need a token with the role"
        }

        private func pluginHosts(_ settings: ServerConfig, dataDir: URL, sink: any PluginLogSink) throws
            -> [String: PluginHost]
        {
            var hosts: [String: PluginHost] = [:]
            for target in settings.targets {
                let executable = Self.pluginExecutable(target.plugin)
                let directory = dataDir.appendingPathComponent("plugins/\(target.name)")
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
                hosts[target.name] = PluginHost(
                    .init(target: target, executable: executable, dataDirectory: directory.path), sink: sink)
            }
            return hosts
        }

        /// `capstan-plugin-NAME` next to this executable, else on the PATH.
        static func pluginExecutable(_ plugin: String) -> String {
            let name = "capstan-plugin-\(plugin)"
            let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                .deletingLastPathComponent().appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: beside.path) { return beside.path }
            for folder in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
            return name
        }

        static func split(_ listen: String) throws -> (String, Int) {
            guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
                throw ValidationError("listen: expected host:port, got \(listen)")
            }
            return (String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]")), port)
        }
    }
}

/// Writes plugins' stage log lines to the store; started first and stopped last, so no line is lost.
struct StageLogService: Service {
    let recorder: StageLogRecorder

    func run() async throws {
        await withGracefulShutdownHandler {
            await recorder.run()
        } onGracefulShutdown: {
            recorder.finish()
        }
    }
}

/// Runs the controller as a service of the group, stopping it on graceful shutdown.
struct ControllerService: Service {
    let controller: Controller

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await controller.run()
        }
    }
}
