import CapstanCore
import CapstanPluginKit
import Foundation

/// Starts and stops a service's instances: detached processes, one loopback port each.
struct InstanceLauncher: Sendable {
    let dataDirectory: String
    /// How long a stopped instance has between SIGTERM and SIGKILL.
    let stopGrace: Duration

    /// What one instance runs as: the spec's argv with `${PORT}` replaced, in `directory`.
    func command(for spec: ServiceSpec, app: String, variant: Variant, commit: CommitID, port: Int,
                 directory: String, logPath: String) -> DetachedCommand {
        var environment = HAProxyController.baseEnvironment
        environment.merge(spec.env) { _, manifest in manifest }
        environment.merge([
            "CAPSTAN_APP": app, "CAPSTAN_VARIANT": variant.rawValue, "CAPSTAN_COMMIT": commit.hex,
            "PORT": String(port),
        ]) { _, ours in ours }
        let argv = spec.command.map { $0.replacingOccurrences(of: "${PORT}", with: String(port)) }
        return DetachedCommand(executable: argv[0], arguments: Array(argv.dropFirst()), environment: environment,
                               workingDirectory: directory, logPath: logPath)
    }

    /// Starts one instance on a free port other than `taken`; it has no HAProxy weight yet.
    func start(_ spec: ServiceSpec, app: String, variant: Variant, commit: CommitID, directory: String,
               taken: Set<Int>) throws(StageFailure) -> InstanceRecord {
        var port: Int?
        for _ in 0..<20 {
            if let candidate = LoopbackSockets.freePort(), !taken.contains(candidate) {
                port = candidate
                break
            }
        }
        guard let port else { throw StageFailure("no free loopback port for \(spec.name)") }
        let logs = HAProxyController.file("logs", in: dataDirectory)
        try? FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        let logPath = HAProxyController.file(
            "\(HAProxyConfig.sanitize(app))-\(HAProxyConfig.sanitize(spec.name))-\(variant.rawValue)-\(commit.short)-\(port).log",
            in: logs)
        let command = command(for: spec, app: app, variant: variant, commit: commit, port: port, directory: directory,
                              logPath: logPath)
        let pid: Int32
        do {
            pid = try spawnDetached(command)
        } catch {
            throw StageFailure("cannot start \(spec.name) (\(spec.command.joined(separator: " "))) in \(directory): \(error)")
        }
        let identity = ProcessIdentity.spawned(pid)
        return InstanceRecord(app: app, service: spec.name, variant: variant, commit: commit, port: port,
                              process: identity, weight: nil, logPath: logPath)
    }

    /// SIGTERM to the instance's process group, SIGKILL after the grace period.
    func stop(_ instance: InstanceRecord) async {
        await instance.process.stop(grace: stopGrace)
    }
}
