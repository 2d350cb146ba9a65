import CapstanCore
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PluginHost {
    /// The running plugin, started (or restarted) first when there is none.
    func running() async throws(PluginError) -> Running {
        while true {
            switch phase {
            case .closed:
                throw error(.shutDown, "the plugin host was shut down")
            case .running(let running):
                guard let exit = running.process.exit else { return running }
                // It died between calls: count it, then start a new one.
                noteFailure(of: running.process, at: exit.at)
            case .starting(let waiters):
                // Not cancellable: a start is bounded by the backoff cap plus the start timeout.
                let outcome = await withCheckedContinuation { continuation in
                    phase = .starting(waiters: waiters + [continuation])
                }
                // nil: the caller who was starting it was cancelled; start it ourselves.
                guard let outcome else { continue }
                return try outcome.get()
            case .idle:
                phase = .starting(waiters: [])
                let outcome: Result<Running, PluginError>
                do throws(PluginError) {
                    outcome = .success(try await launch())
                } catch {
                    outcome = .failure(error)
                }
                launching = nil
                guard case .starting(let waiters) = phase else {
                    // shutdown() ran meanwhile and already answered the waiters.
                    if case .success(let running) = outcome { await stop(running.process) }
                    throw error(.shutDown, "the plugin host was shut down")
                }
                switch outcome {
                case .success(let running):
                    policy.started()
                    phase = .running(running)
                case .failure(let failure) where failure.code == .cancelled:
                    // A cancelled caller says nothing about the plugin: the others try again.
                    phase = .idle
                    for waiter in waiters { waiter.resume(returning: nil) }
                    throw failure
                case .failure:
                    policy.failed(at: clock.now())
                    phase = .idle
                }
                for waiter in waiters { waiter.resume(returning: outcome) }
                return try outcome.get()
            }
        }
    }

    /// Waits out the backoff, starts the process, and runs `initialize` and `capabilities`.
    private func launch() async throws(PluginError) -> Running {
        if let earliest = policy.earliestStart(now: clock.now()) {
            do {
                try await clock.sleepUntil(earliest)
            } catch {
                throw self.error(.cancelled, "cancelled while waiting to restart the plugin")
            }
        }
        if let previous, previous.exit == nil {
            _ = await previous.waitForExit()
        }
        do {
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw self.error(.launchFailed, "could not create its data directory \(configuration.dataDirectory): \(error)")
        }
        let process: PluginProcess
        do {
            process = try PluginProcess(
                name: configuration.name, executable: configuration.executable, arguments: configuration.arguments,
                environment: Self.baseEnvironment(from: ProcessInfo.processInfo.environment)
                    .merging(configuration.environment) { _, new in new },
                stderrLines: configuration.stderrLines, maxLineBytes: configuration.maxLineBytes, sink: sink,
                now: clock.now)
        } catch {
            throw self.error(.launchFailed, "could not start \(configuration.executable): \(error)")
        }
        launching = process
        do throws(PluginError) {
            let params = InitializeParams(plugin: configuration.name, target: configuration.target,
                                          config: configuration.targetConfig, dataDirectory: configuration.dataDirectory)
            let info = try await rpc(process, PluginMethod.initialize, params: params,
                                     timeout: configuration.startTimeout, as: JSONValue.self)
            let initialized = try checkVersion(info)
            let capabilities = try await rpc(process, PluginMethod.capabilities, params: EmptyMessage(),
                                             timeout: configuration.startTimeout, as: Capabilities.self)
            return Running(process: process, info: initialized, capabilities: capabilities)
        } catch {
            process.kill(SIGKILL, reason: "it failed to start")
            previous = process
            switch error.code {
            case .incompatibleVersion, .cancelled, .shutDown:
                throw error
            case .remoteError where error.rpcError?.knownCode == .unsupportedProtocolVersion:
                throw self.error(.incompatibleVersion, "it refused protocol \(ProtocolVersion.current): \(error.message)")
            default:
                throw PluginError(code: .launchFailed, plugin: configuration.name,
                                  message: "it did not start: \(error.message)", rpcError: error.rpcError,
                                  stderrTail: error.stderrTail)
            }
        }
    }

    /// Refuses a plugin whose major version differs, with a message that says what to upgrade.
    private func checkVersion(_ info: JSONValue) throws(PluginError) -> InitializeResult {
        let text = info["protocolVersion"]?.stringValue ?? "(none)"
        guard let version = ProtocolVersion(text) else {
            throw error(.incompatibleVersion, "it answered initialize with protocol version \(text), not MAJOR.MINOR")
        }
        guard version.isCompatible(with: .current) else {
            throw error(.incompatibleVersion,
                        "it speaks protocol \(version) and this Capstan speaks \(ProtocolVersion.current); "
                            + "the major versions must match: upgrade the plugin or Capstan")
        }
        do {
            return try WireCoding.decode(InitializeResult.self, from: info)
        } catch {
            throw self.error(.protocolViolation, "its initialize result is malformed: \(error)")
        }
    }

    /// One call to the running plugin (started first when needed).
    func call<Result: Decodable>(_ method: String, params: some Encodable & Sendable, timeout: Duration,
                                 as type: Result.Type) async throws(PluginError) -> Result {
        let running = try await running()
        return try await rpc(running.process, method, params: params, timeout: timeout, as: type)
    }

    /// Sends one request to `process` and waits for the answer, the deadline, the process's end or cancellation.
    private func rpc<Result: Decodable>(_ process: PluginProcess, _ method: String, params: some Encodable & Sendable,
                                        timeout: Duration, as type: Result.Type) async throws(PluginError) -> Result {
        let id = nextRequestID
        nextRequestID += 1
        let line: Data
        do {
            line = try WireCoding.line(JSONRPCRequest(id: .number(id), method: method, params: params))
        } catch {
            throw self.error(.protocolViolation, "could not encode the \(method) request: \(error)")
        }
        switch await race({ await process.call(id: id, line: line) }, timeout: timeout) {
        case .some(.result(let response)):
            do {
                return try WireCoding.decoder.decode(JSONRPCResultOnly<Result>.self, from: response).result
            } catch {
                throw self.error(.protocolViolation, "its \(method) result is malformed: \(error)")
            }
        case .some(.error(let rpcError)):
            throw PluginError(code: .remoteError, plugin: configuration.name,
                              message: "\(method) failed: \(rpcError.message) (JSON-RPC error \(rpcError.code))",
                              rpcError: rpcError)
        case .some(.exited(let exit)):
            noteFailure(of: process, at: exit.at)
            if case .closed = phase { throw error(.shutDown, "the plugin host was shut down during \(method)") }
            // Killed by us (another call's deadline): not the plugin's verdict on this request.
            let code: PluginError.Code = exit.killReason == nil ? .exited : .interrupted
            throw PluginError(code: code, plugin: configuration.name, message: exit.description, stderrTail: exit.stderrTail)
        case .some(.cancelled):
            throw error(.cancelled, "the caller of \(method) was cancelled")
        case .none:
            // Unresponsive: it may be stuck for good, so kill it rather than let calls pile up.
            process.kill(SIGKILL, reason: "it did not answer \(method) within \(timeout)")
            noteFailure(of: process, at: clock.now())
            throw PluginError(code: .timeout, plugin: configuration.name,
                              message: "no answer to \(method) within \(timeout); "
                                  + "the plugin was killed and will be restarted",
                              stderrTail: process.stderrTail)
        }
    }

    /// The first of `operation`'s outcome and `timeout` on the host clock; nil when the deadline won.
    func race(_ operation: @escaping @Sendable () async -> CallOutcome, timeout: Duration) async -> CallOutcome? {
        let clock = self.clock
        return await withTaskGroup(of: Raced.self) { group in
            group.addTask { .done(await operation()) }
            group.addTask {
                do {
                    try await clock.sleep(for: timeout)
                    return .deadline
                } catch {
                    return .timerCancelled
                }
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                switch next {
                case .done(let outcome): return outcome
                case .deadline: return nil
                case .timerCancelled: continue // The caller was cancelled; the operation reports it.
                }
            }
            return .cancelled
        }
    }

    private enum Raced: Sendable {
        case done(CallOutcome)
        case deadline
        case timerCancelled
    }

    /// Forgets `process` as the running one and counts its failure, once, if it was the current one.
    private func noteFailure(of process: PluginProcess, at: Duration) {
        guard case .running(let running) = phase, running.process === process else { return }
        phase = .idle
        previous = process
        policy.failed(at: at)
    }

    private func error(_ code: PluginError.Code, _ message: String) -> PluginError {
        PluginError(code: code, plugin: configuration.name, message: message)
    }
}

extension PluginHost {
    /// The variables of the server's environment a plugin inherits: where programs are, the user, the locale
    /// and the temp folder — never the rest, which holds the server's secrets (webhook secrets, Git tokens).
    /// (And the process plugin's crash-test hook, `CAPSTAN_PLUGIN_CRASH_AT`, which holds no secret.)
    public static let inherited: Set<String> = ["PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "TMPDIR",
                                                "CAPSTAN_PLUGIN_CRASH_AT"]

    /// `environment` narrowed to ``inherited``.
    public static func baseEnvironment(from environment: [String: String]) -> [String: String] {
        environment.filter { inherited.contains($0.key) }
    }
}
