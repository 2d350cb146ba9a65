import CapstanCore
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A real Prometheus server on 127.0.0.1 for tests, in a temporary directory of its own, scraping itself
/// (job `prometheus`) and any `targets` every `scrapeInterval`.
///
/// Prometheus applies its scrape targets about 5 s after it starts, so the first scraped samples (`up`,
/// `prometheus_build_info`) appear after that; constant expressions such as `vector(1)` answer at once.
public final class PrometheusProcess: Sendable {
    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public let url: URL
    /// Holds `prometheus.yml`, the TSDB (`data/`) and its log (`prometheus.log`); removed by ``stop()``.
    public let directory: URL
    private let process: BackgroundProcess

    /// Starts `prometheus` (from the PATH, or `executable`) and returns once `/-/ready` answers 200.
    ///
    /// - Parameter targets: more `host:port` targets to scrape (job `test`), e.g. a server the test runs.
    public init(scrapeInterval: Duration = .seconds(1), targets: [String] = [], executable: String = "prometheus")
        async throws
    {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-prometheus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let port = try LoopbackTCP.freePort()
        let interval = DurationText.format(scrapeInterval)
        var config = """
            global:
              scrape_interval: \(interval)
              evaluation_interval: \(interval)
            scrape_configs:
              - job_name: prometheus
                static_configs:
                  - targets: ['127.0.0.1:\(port)']

            """
        if !targets.isEmpty {
            config += """
                  - job_name: test
                    static_configs:
                      - targets: [\(targets.map { "'\($0)'" }.joined(separator: ", "))]

                """
        }
        let configFile = directory.appendingPathComponent("prometheus.yml")
        do {
            try Data(config.utf8).write(to: configFile)
            process = try BackgroundProcess(
                executable: executable,
                arguments: [
                    "--config.file=\(configFile.path)", "--storage.tsdb.path=\(directory.appendingPathComponent("data").path)",
                    "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn",
                ],
                logPath: directory.appendingPathComponent("prometheus.log").path)
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        self.port = port
        self.directory = directory
        self.url = URL(string: "http://127.0.0.1:\(port)")!
        do {
            try await waitUntilReady(within: .seconds(90))
        } catch {
            stop()
            throw error
        }
    }

    /// Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its directory; later calls do nothing.
    public func stop() {
        process.stop(grace: .seconds(5))
        try? FileManager.default.removeItem(at: directory)
    }

    /// Whether the server process is still running.
    public var isRunning: Bool { process.isRunning }

    /// What the server logged (warnings and errors), for failure messages.
    public func log() -> String { process.log() }

    deinit {
        stop()
    }

    private func waitUntilReady(within limit: Duration) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: limit)
        var request = URLRequest(url: url.appendingPathComponent("-/ready"))
        request.timeoutInterval = 2
        while clock.now < deadline {
            guard process.isRunning else { throw PrometheusDidNotStart(reason: "it exited", log: log()) }
            if LoopbackTCP.isAccepting(port: port),
               let (_, response) = try? await URLSession.shared.data(for: request),
               (response as? HTTPURLResponse)?.statusCode == 200
            {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw PrometheusDidNotStart(reason: "/-/ready did not answer 200 within \(limit)", log: log())
    }
}

/// The test Prometheus did not become ready; carries its log.
public struct PrometheusDidNotStart: Error, CustomStringConvertible {
    public let reason: String
    public let log: String

    public var description: String { "prometheus did not start: \(reason)\n\(log)" }
}
