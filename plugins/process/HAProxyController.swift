import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs the plugin's HAProxy: starts it detached in master-worker mode, reloads it when the set of
/// frontends or servers changes, and talks to its runtime API for weights and session counts.
struct HAProxyController: Sendable {
    let executable: String
    let dataDirectory: String
    let paths: HAProxyConfig.Paths

    init(executable: String, dataDirectory: String, metricsPort: Int) {
        self.executable = executable
        self.dataDirectory = dataDirectory
        self.paths = HAProxyConfig.Paths(statsSocket: Self.file("haproxy.sock", in: dataDirectory), metricsPort: metricsPort,
                                         serverStateFile: Self.file("haproxy-servers.state", in: dataDirectory))
    }

    var configPath: String { Self.file("haproxy.cfg", in: dataDirectory) }
    var masterSocket: String { Self.file("haproxy-master.sock", in: dataDirectory) }
    var logPath: String { Self.file("haproxy.log", in: dataDirectory) }

    /// Makes the running HAProxy serve `state`: starts it when it is not running (from the state file's
    /// contents, after a crash or a reboot), reloads it when the topology changed, else does nothing.
    /// Returns the record to keep and what happened, for the stage log (nil when nothing had to be done).
    func apply(_ state: ProcessState) async throws(StageFailure) -> (HAProxyRecord, String?) {
        let topology = HAProxyConfig.render(state, paths: paths, weights: false)
        if var record = state.haproxy, record.master.isAlive {
            guard record.loadedTopology != topology else { return (record, nil) }
            try await writeAndCheck(state)
            try await reload(record.master)
            record.loadedTopology = topology
            return (record, "HAProxy reloaded (master pid \(record.master.pid))")
        }
        try forgetServerStates()
        try await writeAndCheck(state)
        let master = try await start()
        let record = HAProxyRecord(master: master, configPath: configPath, loadedTopology: topology)
        return (record, "HAProxy started (master pid \(master.pid))")
    }

    /// Sets one server's weight through the runtime API (no reload).
    func setWeight(backend: String, server: String, weight: Int) throws(StageFailure) {
        let answer = try runtime("set server \(backend)/\(server) weight \(weight)")
        let trimmed = answer.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.isEmpty else { throw StageFailure("HAProxy refused weight \(weight) for \(backend)/\(server): \(trimmed)") }
    }

    /// The sessions a server is serving now (`scur` of `show stat`); nil when unknown.
    func currentSessions(backend: String, server: String) -> Int? {
        guard let stat = try? runtime("show stat") else { return nil }
        for line in stat.split(separator: "\n") {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            if fields.count > 4, fields[0] == backend, fields[1] == server { return Int(fields[4]) }
        }
        return nil
    }

    /// Sends one command to the runtime API and returns its answer.
    func runtime(_ command: String) throws(StageFailure) -> String {
        guard let fd = LoopbackSockets.connectUnix(path: paths.statsSocket) else {
            throw StageFailure("HAProxy's runtime API at \(paths.statsSocket) does not answer")
        }
        defer { LoopbackSockets.release(fd) }
        guard let answer = LoopbackSockets.exchange(fd, command + "\n") else {
            throw StageFailure("HAProxy's runtime API failed on \"\(command)\"")
        }
        return answer
    }

    /// The pid of the worker answering the runtime API now.
    func workerPid() -> Int32? {
        guard let info = try? runtime("show info") else { return nil }
        let line = info.split(separator: "\n").first { $0.hasPrefix("Pid:") }
        return line.flatMap { Int32($0.dropFirst(4).trimmingCharacters(in: .whitespaces)) }
    }

    private func writeAndCheck(_ state: ProcessState) async throws(StageFailure) {
        let text = HAProxyConfig.render(state, paths: paths)
        let candidate = configPath + ".new"
        try write(text, to: candidate)
        let checkLog = Self.file("haproxy-check.log", in: dataDirectory)
        try? FileManager.default.removeItem(atPath: checkLog)
        let status: Int32
        do {
            status = try await runToCompletion(command(["-c", "-q", "-f", candidate], log: checkLog))
        } catch {
            throw StageFailure("cannot run \(executable): \(error)")
        }
        guard status == 0 else { throw StageFailure("HAProxy rejects its new configuration: \(logTail(checkLog))") }
        guard rename(candidate, configPath) == 0 else { throw StageFailure("cannot rename \(candidate) over \(configPath)") }
    }

    /// Starts the master (`-W`, master CLI on `-S`) in its own session and waits for its runtime API.
    private func start() async throws(StageFailure) -> ProcessIdentity {
        let pid: Int32
        do {
            pid = try spawnDetached(command(["-W", "-S", masterSocket, "-f", configPath], log: logPath))
        } catch {
            throw StageFailure("cannot start \(executable): \(error)")
        }
        let identity = ProcessIdentity.spawned(pid)
        let deadline = ContinuousClock.now + .seconds(5)
        while workerPid() == nil {
            guard identity.isAlive, ContinuousClock.now < deadline else {
                await identity.stop(grace: .seconds(1))
                throw StageFailure("HAProxy did not start: \(logTail(logPath))")
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return identity
    }

    /// Reloads without dropping connections: SIGUSR2 to the master, which starts a new worker that takes
    /// over the listening sockets and lets the old one finish its connections; returns once the new
    /// worker answers the runtime API.
    /// The new worker starts from the old one's server states (health, weights), saved just before.
    private func reload(_ master: ProcessIdentity) async throws(StageFailure) {
        let old = workerPid()
        try saveServerStates()
        defer { try? forgetServerStates() }
        guard kill(master.pid, SIGUSR2) == 0 else { throw StageFailure("cannot signal HAProxy's master \(master.pid)") }
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            if let now = workerPid(), now != old { return }
            guard ContinuousClock.now < deadline else { throw StageFailure("HAProxy did not reload: \(logTail(logPath))") }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Workers a reload replaced that still finish requests they had accepted, with the weights they had then
    /// (the runtime API reaches only the new worker). Nil when the master CLI does not answer (for a few
    /// milliseconds after a reload, while the master starts again).
    func leavingWorkers() -> [Int32]? {
        guard let fd = LoopbackSockets.connectUnix(path: masterSocket) else { return nil }
        defer { LoopbackSockets.release(fd) }
        guard let answer = LoopbackSockets.exchange(fd, "show proc\n", halfClose: true), answer.contains("# workers") else { return nil }
        return Self.oldWorkers(inShowProc: answer)
    }

    /// The pids listed under `# old workers` in the master CLI's `show proc`.
    static func oldWorkers(inShowProc text: String) -> [Int32] {
        var inOld = false
        var pids: [Int32] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                inOld = line.hasPrefix("# old workers")
            } else if inOld, let pid = line.split(separator: " ").first.flatMap({ Int32($0) }) {
                pids.append(pid)
            }
        }
        return pids
    }

    /// Writes the running worker's `show servers state` where the configuration's `server-state-file` points.
    private func saveServerStates() throws(StageFailure) {
        guard let path = paths.serverStateFile else { return }
        let states = try runtime("show servers state")
        guard states.hasPrefix("1\n") else { throw StageFailure("HAProxy's server states are unreadable: \(states.prefix(200))") }
        try write(states, to: path)
    }

    /// An empty state file (its version line only): servers start from the configuration. A state saved for
    /// an earlier reload must never reach a later start, whose weights may have moved since.
    private func forgetServerStates() throws(StageFailure) {
        guard let path = paths.serverStateFile else { return }
        try write("1\n", to: path)
    }

    private func write(_ text: String, to path: String) throws(StageFailure) {
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw StageFailure("cannot write \(path): \(error)")
        }
    }

    private func command(_ arguments: [String], log: String) -> DetachedCommand {
        DetachedCommand(executable: executable, arguments: arguments, environment: Self.baseEnvironment,
                        workingDirectory: dataDirectory, logPath: log)
    }

    /// PATH (and nothing else) from the plugin's environment.
    static var baseEnvironment: [String: String] {
        ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"]
    }

    static func file(_ name: String, in directory: String) -> String {
        (directory as NSString).appendingPathComponent(name)
    }
}
