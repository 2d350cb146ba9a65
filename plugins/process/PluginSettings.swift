import CapstanCore
import Foundation

/// The target's settings from the server config (`InitializeParams.config`), all optional.
struct PluginSettings: Sendable, Hashable {
    /// The HAProxy executable (`haproxy`); default /usr/sbin/haproxy when it exists, else `haproxy` on PATH.
    var haproxy: String
    /// The loopback port of HAProxy's Prometheus exporter (`metricsPort`, default 19100).
    var metricsPort: Int
    /// Seconds between SIGTERM and SIGKILL when an instance is stopped (`stopGraceSeconds`, default 10).
    var stopGrace: Duration
    /// Longest wait for a drained instance's sessions to end before it is stopped (`drainSeconds`, default 5).
    var drainTimeout: Duration

    init(_ config: [String: JSONValue]) throws(StageFailure) {
        func number(_ key: String, default value: Double) throws(StageFailure) -> Double {
            switch config[key] {
            case nil, .null?: return value
            case .number(let number)? where number > 0: return number
            default: throw StageFailure("config.\(key) must be a positive number")
            }
        }
        switch config["haproxy"] {
        case .string(let path)?: haproxy = path
        case nil, .null?: haproxy = FileManager.default.isExecutableFile(atPath: "/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : "haproxy"
        default: throw StageFailure("config.haproxy must be a string (the HAProxy executable)")
        }
        let port = try number("metricsPort", default: 19100)
        guard port == port.rounded(), port <= 65535 else { throw StageFailure("config.metricsPort must be a port number") }
        metricsPort = Int(port)
        stopGrace = .milliseconds(Int64(try number("stopGraceSeconds", default: 10) * 1000))
        drainTimeout = .milliseconds(Int64(try number("drainSeconds", default: 5) * 1000))
    }
}
