/// When an instance is ready: its health path answers 2xx, or (without one) its port accepts.
enum Readiness {
    /// One probe, bounded by a second.
    static func probe(port: Int, healthPath: String?) -> Bool {
        if let healthPath {
            guard let response = LoopbackSockets.httpGet(port: port, path: healthPath, timeout: .seconds(1)) else { return false }
            return (200..<300).contains(response.status)
        }
        guard let fd = LoopbackSockets.connectTCP(port: port) else { return false }
        LoopbackSockets.release(fd)
        return true
    }

    /// How waiting for a set of instances ended.
    enum Outcome: Sendable, Equatable {
        case ready
        /// The instance exited before it was ready.
        case exited(InstanceRecord)
        /// The instance was still not ready at the deadline.
        case timedOut(InstanceRecord)
    }

    /// Probes every instance every 100 ms until all are ready, one has exited, or `timeout` passed.
    static func waitUntilReady(_ instances: [InstanceRecord], healthPath: String?, timeout: Duration) async -> Outcome {
        let deadline = ContinuousClock.now + timeout
        var waiting = instances
        while true {
            waiting.removeAll { probe(port: $0.port, healthPath: healthPath) }
            if waiting.isEmpty { return .ready }
            if let dead = waiting.first(where: { !$0.process.isAlive }) { return .exited(dead) }
            if ContinuousClock.now >= deadline { return .timedOut(waiting[0]) }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }
}
