import CapstanCore
import CapstanPluginKit
import Foundation
import Synchronization
import Testing
@testable import capstan_plugin_process

#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the progressive stages: run a stage of a deployment, count which variant answers.
extension ProcessPluginFixture {
    /// Runs one stage with `plugin` and records an issue (with the reason) unless it succeeds.
    @discardableResult
    func stage(_ plugin: ProcessPlugin, _ stage: StageKind, commit: CommitID, previous: CommitID? = nil,
               deployment: String = "d-2", index: Int, attempt: Int = 1, options: JSONValue = .object([:]),
               log: StageLogLines = StageLogLines(), expect status: ExecuteStageResult.Status = .success,
               sourceLocation: SourceLocation = #_sourceLocation) async throws -> ExecuteStageResult {
        let result = try await plugin.executeStage(
            params(stage, commit: commit, previous: previous, deployment: deployment, index: index, attempt: attempt,
                   options: options),
            log: log.logger)
        #expect(result.status == status, "\(stage.rawValue): \(result.reason ?? "")", sourceLocation: sourceLocation)
        return result
    }

    /// `count` requests through the frontend from `concurrency` threads of their own: answers by variant
    /// (`primary`, `canary`, `baseline`), and `failed` for anything but a 200 with a variant.
    func sample(_ count: Int, concurrency: Int = 4) async -> [String: Int] {
        let port = frontendPort
        return await onThread {
            let tally = Mutex<[String: Int]>([:])
            DispatchQueue.concurrentPerform(iterations: concurrency) { worker in
                for _ in 0..<(count / concurrency + (worker < count % concurrency ? 1 : 0)) {
                    let variant = LoadGenerator.answer(port: port).variant ?? "failed"
                    tally.withLock { $0[variant, default: 0] += 1 }
                }
            }
            return tally.withLock { $0 }
        }
    }

    /// Traffic options as the engine sends them (all three keys).
    static func traffic(primary: Int = 0, canary: Int = 0, baseline: Int = 0) -> JSONValue {
        .object(["primary": .number(Double(primary)), "canary": .number(Double(canary)),
                 "baseline": .number(Double(baseline))])
    }

    static func replicas(_ value: JSONValue) -> JSONValue { .object(["replicas": value]) }

    /// The alive instances the state file records, by variant and commit.
    func running(_ variant: Variant, _ commit: CommitID) throws -> [InstanceRecord] {
        try state().instances.filter { $0.variant == variant && $0.commit == commit && $0.process.isAlive }
    }
}

/// Runs blocking work on a thread of its own, off the cooperative pool.
func onThread<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread { continuation.resume(returning: work()) }
    }
}

/// Requests the frontend from several threads (2 ms apart each) until stopped; counts answers by variant and version, and
/// keeps the first failures (anything but a 200 with a variant) with what went wrong.
final class LoadGenerator: Sendable {
    struct Counts: Sendable {
        var succeeded = 0
        var failed = 0
        /// The first few failures, with what went wrong.
        var failures: [String] = []
        var byVariant: [String: Int] = [:]
        var versions: Set<String> = []
    }

    private let port: Int
    private let threads: Int
    private let counts = Mutex(Counts())
    private let running = Atomic<Bool>(true)
    private let finished = Atomic<Int>(0)

    init(port: Int, threads: Int = 4) {
        self.port = port
        self.threads = threads
    }

    /// One request: the answering variant and version, or why it failed.
    static func answer(port: Int) -> (variant: String?, version: String?, failure: String?) {
        guard let response = LoopbackSockets.httpGet(port: port, path: "/") else { return (nil, nil, "no answer") }
        guard response.status == 200 else { return (nil, nil, "status \(response.status)") }
        guard let json = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
              let variant = json["variant"] as? String else { return (nil, nil, "unexpected body \(response.body)") }
        return (variant, json["version"] as? String, nil)
    }

    func start() {
        for _ in 0..<threads {
            Thread.detachNewThread { [self] in
                while running.load(ordering: .acquiring) {
                    let answer = Self.answer(port: port)
                    usleep(2000) // continuous, not saturating: other suites' health timeouts share the 2 cores
                    counts.withLock { counts in
                        if let failure = answer.failure {
                            counts.failed += 1
                            if counts.failures.count < 10 { counts.failures.append(failure) }
                        } else {
                            counts.succeeded += 1
                            counts.byVariant[answer.variant ?? "", default: 0] += 1
                            if let version = answer.version { counts.versions.insert(version) }
                        }
                    }
                }
                finished.add(1, ordering: .releasing)
            }
        }
    }

    /// Stops every thread, waits for their last requests, and returns the counts.
    func stop() async -> Counts {
        running.store(false, ordering: .releasing)
        while finished.load(ordering: .acquiring) < threads { try? await Task.sleep(for: .milliseconds(5)) }
        return counts.withLock { $0 }
    }
}
