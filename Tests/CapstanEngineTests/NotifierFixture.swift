import CapstanCore
import CapstanEngine
import CapstanTesting
import Foundation
import Synchronization

/// A transport that answers from a script and keeps every request, with the test clock's time it came at.
final class ScriptedTransport: NotificationTransport {
    enum Reply: Sendable {
        case answer(NotificationResponse)
        /// Waits for ``release()``, then answers.
        case held(NotificationResponse)
    }

    private let script: @Sendable (NotificationRequest, _ attempt: Int) -> Reply
    private let state = Mutex<(requests: [NotificationRequest], attempts: [String: Int], gates: [CheckedContinuation<Void, Never>])>(
        ([], [:], []))

    /// `script` gets each request and which attempt of its delivery id it is (1, 2, ...).
    init(_ script: @escaping @Sendable (NotificationRequest, _ attempt: Int) -> Reply = { _, _ in .answer(.status(200)) }) {
        self.script = script
    }

    func send(_ request: NotificationRequest) async -> NotificationResponse {
        let attempt = state.withLock { state in
            state.requests.append(request)
            let id = request.headers["X-Capstan-Delivery"] ?? ""
            state.attempts[id, default: 0] += 1
            return state.attempts[id]!
        }
        switch script(request, attempt) {
        case .answer(let response):
            return response
        case .held(let response):
            await withCheckedContinuation { continuation in state.withLock { $0.gates.append(continuation) } }
            return response
        }
    }

    /// Answers every held request.
    func release() {
        for gate in state.withLock({ state in defer { state.gates = [] }; return state.gates }) { gate.resume() }
    }

    var requests: [NotificationRequest] { state.withLock { $0.requests } }
    var held: Int { state.withLock { $0.gates.count } }

    /// The delivery ids sent to `host`, in order (retries included).
    func deliveries(to host: String) -> [String] {
        requests.filter { $0.url.host == host }.compactMap { $0.headers["X-Capstan-Delivery"] }
    }
}

/// A store, an outbox, a test clock and a wall clock that moves with it; events written as the engine does.
struct NotifierFixture {
    let store: any DeploymentStore
    let outbox: any NotificationOutbox
    let clock = TestClock()
    let origin: Date

    init(store: any DeploymentStore = MemoryDeploymentStore(), outbox: (any NotificationOutbox)? = nil,
         origin: Date = Date(timeIntervalSince1970: 1_750_000_000)) {
        self.store = store
        self.outbox = outbox ?? MemoryNotificationOutbox()
        self.origin = origin
    }

    /// `origin` plus the test clock's time.
    var now: @Sendable () -> Date {
        { [clock, origin] in
            let offset = clock.now.offset.components
            return origin.addingTimeInterval(Double(offset.seconds) + Double(offset.attoseconds) / 1e18)
        }
    }

    func notifier(_ configs: [NotificationConfig], transport: any NotificationTransport,
                  retry: RetryPolicy = RetryPolicy(base: .seconds(1), maxBackoff: .seconds(4), maxAttempts: 10),
                  random: @escaping @Sendable () -> Double = { 0.5 }, secret: String? = nil) throws -> Notifier {
        let targets = try configs.map {
            try NotificationTarget($0, secret: $0.secret == nil ? nil : secret, defaultLink: "http://127.0.0.1:8080")
        }
        return Notifier(targets: targets, store: store, outbox: outbox, transport: transport,
                        settings: .init(retry: retry, pollInterval: .seconds(1)), clock: clock, now: now, random: random)
    }

    /// Records an application with `labels`, as the reconciler does.
    func app(_ name: String, labels: [String: String] = [:]) async throws {
        try await store.write([.upsertApp(AppRecord(name: name, repository: "apps", configPath: "apps/\(name)/capstan.yaml",
                                                    updatedAt: now(), labels: labels))], events: [])
    }

    /// A new deployment of `app` and its `deployment.created` event, then `stages` stage events; returns the sequences.
    @discardableResult
    func deploy(_ app: String, id: String, stages: Int = 0) async throws -> [Int64] {
        let deployment = Deployment(id: DeploymentID(rawValue: id), app: app, commit: CommitID(String(repeating: "ab", count: 20))!,
                                    previousCommit: nil, trigger: .commit, strategy: .quick, state: .running, createdAt: now())
        let records = (0..<max(stages, 1)).map { StageRecord(deployment: deployment.id, index: $0, kind: .sync, state: .running) }
        var events = [NewEvent(kind: .deploymentCreated, at: now(), app: app, deployment: deployment.id,
                               message: "deployment of abababa created (commit)", data: ["commit": deployment.commit.hex])]
        for index in 0..<stages {
            events.append(NewEvent(kind: .stageStateChanged, at: now(), app: app, deployment: deployment.id, stageIndex: index,
                                   message: "stage \(index) SYNC RUNNING", data: ["stage": "SYNC", "from": "NOT_STARTED", "to": "RUNNING"]))
        }
        return try await store.write([.insertDeployment(deployment, stages: records)], events: events).map(\.sequence)
    }

    /// Waits (real time, bounded) until `condition` holds, moving the test clock `step` forward every 10 ms
    /// when `step` is given (polls and retries come due at once).
    func until(advancing step: Duration? = nil, _ condition: () async throws -> Bool) async rethrows -> Bool {
        for _ in 0..<2000 {
            if try await condition() { return true }
            if let step { clock.advance(by: step) }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return try await condition()
    }

    /// The test clock has a sleeper that asked for about `seconds`.
    func sleeping(_ seconds: Double) -> Bool {
        clock.pendingSleeps.contains { abs(Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 - seconds) < 0.01 }
    }
}
