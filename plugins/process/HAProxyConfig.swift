/// Renders HAProxy's configuration from the plugin's state: pure, no I/O.
///
/// One frontend per service on 127.0.0.1:`port`, one backend whose servers are the service's
/// instances that have a weight, the runtime API socket, and the Prometheus exporter frontend.
enum HAProxyConfig {
    /// Where HAProxy keeps its sockets, and the exporter's port.
    struct Paths: Sendable, Hashable {
        /// The runtime API (`stats socket … level admin`).
        var statsSocket: String
        var metricsPort: Int
        /// Where the running worker's server states (health, weights) are saved just before a reload, for the
        /// next worker to start from (``HAProxyController``); nil leaves the directive out.
        var serverStateFile: String? = nil
    }

    /// The whole configuration file. With `weights: false` every weight is left out: that text is the
    /// topology, which changes only when a reload is needed (weights change through the runtime API).
    static func render(_ state: ProcessState, paths: Paths, weights: Bool = true) -> String {
        var lines = [
            "# Written by Capstan's process plugin; rewritten on every change.",
            "global",
            "    stats socket \(paths.statsSocket) level admin",
            "    hard-stop-after 30s",
        ]
        if let stateFile = paths.serverStateFile { lines.append("    server-state-file \(stateFile)") }
        lines += [
            "",
            "defaults",
            "    mode http",
            // Only failed requests (5xx, refused or cut connections), with HAProxy's termination state, into
            // haproxy.log: what an operator needs when a rollout cost a request, at no cost otherwise.
            "    log stdout format raw local0",
            "    option httplog",
            "    option dontlog-normal",
            "    timeout connect 2s",
            "    timeout check 5s",
            "    timeout client 30s",
            "    timeout server 30s",
            "    retries 2",
            "    option redispatch",
        ]
        // A new worker otherwise starts every server with the health of a first check (one failed check takes
        // it out): a reload while one variant carries all the traffic could refuse requests for 2 s.
        if paths.serverStateFile != nil { lines.append("    load-server-state-from-file global") }
        lines += [
            "",
            "frontend capstan_metrics",
            "    bind 127.0.0.1:\(paths.metricsPort)",
            "    http-request use-service prometheus-exporter if { path /metrics }",
            "    no log",
        ]
        for service in state.services.values.sorted(by: { ($0.app, $0.name) < ($1.app, $1.name) }) {
            lines += ["", "frontend \(service.frontendName)",
                      "    bind 127.0.0.1:\(service.port)",
                      "    default_backend \(service.backendName)",
                      "", "backend \(service.backendName)",
                      "    balance roundrobin"]
            if let healthPath = service.healthPath { lines.append("    option httpchk GET \(healthPath)") }
            let servers = state.instances(of: service).filter { $0.weight != nil }.sorted { $0.serverName < $1.serverName }
            for instance in servers {
                var line = "    server \(instance.serverName) 127.0.0.1:\(instance.port)"
                if weights { line += " weight \(instance.weight ?? 0)" }
                // Three misses two seconds apart, each allowed 5 s (`timeout check`): an instance slowed by a busy
                // machine is not flapped out of rotation (which would skew every variant's share); a dead one
                // still leaves within about six seconds, and its refused connections are retried elsewhere.
                line += " check inter 2s fall 3 rise 1"
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A name HAProxy accepts as a proxy or server name: letters, digits, `-`, `_`, `.`.
    static func sanitize(_ name: String) -> String {
        String(name.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "_" })
    }
}
