import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PluginHost {
    /// Stops the plugin for good: a `shutdown` request and EOF on its stdin, then SIGTERM after
    /// the grace period, then SIGKILL after another; returns once the process is reaped. Later
    /// calls throw ``PluginError/Code/shutDown``. Calling it again does nothing.
    public func shutdown() async {
        var processes: [PluginProcess] = []
        switch phase {
        case .closed:
            return
        case .running(let running):
            processes.append(running.process)
        case .starting(let waiters):
            let refusal = PluginError(code: .shutDown, plugin: configuration.name, message: "the plugin host was shut down")
            for waiter in waiters { waiter.resume(returning: .failure(refusal)) }
            if let launching { processes.append(launching) }
        case .idle:
            break
        }
        phase = .closed
        if let previous { processes.append(previous) }
        for process in processes {
            await stop(process)
        }
    }

    /// The polite-then-firm stop sequence for one process.
    func stop(_ process: PluginProcess) async {
        guard process.exit == nil else { return }
        let grace = configuration.shutdownGrace
        let id = nextRequestID
        nextRequestID += 1
        let request = try? WireCoding.line(
            JSONRPCRequest(id: .number(id), method: PluginMethod.shutdown, params: EmptyMessage()))
        // EOF right behind the request: a plugin too busy to read it, or without the method, still sees its input end.
        if await exit(of: process, within: grace, request: request.map { (id, $0) }, thenCloseStdin: true) != nil { return }
        process.kill(SIGTERM, reason: "it did not exit within \(grace) of the shutdown request")
        if await exit(of: process, within: grace) != nil { return }
        process.kill(SIGKILL, reason: "it did not exit within \(grace) of SIGTERM")
        _ = await process.waitForExit()
    }

    /// Waits for `process` to exit, at most `timeout` on the host clock, after sending `request` if given.
    private func exit(of process: PluginProcess, within timeout: Duration, request: (id: Int, line: Data)? = nil,
                      thenCloseStdin: Bool = false) async -> PluginExit? {
        let clock = self.clock
        return await withTaskGroup(of: StopEvent.self) { group in
            if let request {
                // Registered like any call so that the answer is expected, not logged as a stray.
                group.addTask {
                    _ = await process.call(id: request.id, line: request.line, thenCloseStdin: thenCloseStdin)
                    return .answered
                }
            } else if thenCloseStdin {
                process.closeStdin()
            }
            group.addTask { await process.waitForExit().map(StopEvent.exited) ?? .answered }
            group.addTask {
                try? await clock.sleep(for: timeout)
                return .deadline
            }
            defer { group.cancelAll() }
            while let event = await group.next() {
                switch event {
                case .exited(let exit): return exit
                case .deadline: return nil
                case .answered: continue
                }
            }
            return nil
        }
    }

    private enum StopEvent: Sendable {
        case answered
        case exited(PluginExit)
        case deadline
    }
}
