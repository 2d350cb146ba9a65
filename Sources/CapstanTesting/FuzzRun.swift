import Foundation

/// Runs seeded fuzz cases against a property, times each one, and keeps what it takes to replay a failure.
///
/// Every case has its own seed (``SplitMix64/caseSeed(base:index:)``): `CAPSTAN_FUZZ_SEED=0x…` runs that one
/// case alone, `CAPSTAN_FUZZ_ITERATIONS=N` runs N cases instead of the test's default, `CAPSTAN_FUZZ_BASE=0x…`
/// starts from another base seed. A crash or hang prints the seed of the case that was running (``FuzzCrashGuard``).
public enum Fuzz {
    /// The environment's overrides, read once.
    static let environment = ProcessInfo.processInfo.environment

    /// The case seeds for `target`: the one of `CAPSTAN_FUZZ_SEED`, or `count` (or `CAPSTAN_FUZZ_ITERATIONS`)
    /// seeds from a base fixed per target, so a run is the same every time until someone asks otherwise.
    public static func seeds(_ target: String, count: Int) -> [UInt64] {
        if let one = environment["CAPSTAN_FUZZ_SEED"].flatMap(parseSeed) { return [one] }
        let total = environment["CAPSTAN_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? count
        let base = environment["CAPSTAN_FUZZ_BASE"].flatMap(parseSeed) ?? fnv1a(target)
        return (0..<max(0, total)).map { SplitMix64.caseSeed(base: base, index: $0) }
    }

    /// Makes each case's input from its seed and checks it; `check` returns nil when the property holds, or
    /// what is wrong. A case slower than `limit` fails too: 10 s by default, far above any sound input (the
    /// slowest take ~0.1 s) and far below what a blow-up costs (an alias bomb took 130 s), because a loaded
    /// machine stalls every case at once for a second or two.
    public static func run(_ target: String, count: Int, limit: Duration = .seconds(10),
                           make: (inout SplitMix64) -> [UInt8], check: ([UInt8]) -> String?) -> FuzzReport {
        var report = FuzzReport(target: target)
        let guardSlot = FuzzCrashGuard.begin(target)
        defer { FuzzCrashGuard.end(guardSlot) }
        let clock = ContinuousClock()
        let start = clock.now
        for seed in seeds(target, count: count) {
            var rng = SplitMix64(seed: seed)
            let input = make(&rng)
            FuzzCrashGuard.running(guardSlot, seed: seed)
            var caseStart = clock.now
            let problem = check(input)
            var took = caseStart.duration(to: clock.now)
            for _ in 0..<2 where took > limit {
                // Again before calling it slow: a busy machine stalls every case at once (seconds, on a
                // loaded 2-core runner), a slow input is slow each time.
                caseStart = clock.now
                _ = check(input)
                took = min(took, caseStart.duration(to: clock.now))
            }
            report.record(seed: seed, input: input, took: took, limit: limit, problem: problem)
        }
        report.elapsed = start.duration(to: clock.now)
        report.finish()
        return report
    }

    /// ``run(_:count:limit:make:check:)`` on a thread of its own, for a test to await: thousands of CPU-bound
    /// cases run inline would hold one of the cooperative pool's few threads (two on a 2-core runner) for many
    /// seconds and stall every other test's tasks — seen as a minute's starvation on a loaded CI machine.
    public static func runOnOwnThread(_ target: String, count: Int, limit: Duration = .seconds(10),
                                      make: @escaping @Sendable (inout SplitMix64) -> [UInt8],
                                      check: @escaping @Sendable ([UInt8]) -> String?) async -> FuzzReport {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: run(target, count: count, limit: limit, make: make, check: check))
            }
            // Deep inputs recurse in the parsers: the main thread's 8 MiB, not a secondary thread's default.
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// ``run(_:count:limit:make:check:)`` for properties that await (requests to an in-process server).
    public static func run(_ target: String, count: Int, limit: Duration = .seconds(10),
                           make: (inout SplitMix64) -> [UInt8], check: ([UInt8]) async -> String?) async -> FuzzReport {
        var report = FuzzReport(target: target)
        let guardSlot = FuzzCrashGuard.begin(target)
        defer { FuzzCrashGuard.end(guardSlot) }
        let clock = ContinuousClock()
        let start = clock.now
        for seed in seeds(target, count: count) {
            var rng = SplitMix64(seed: seed)
            let input = make(&rng)
            FuzzCrashGuard.running(guardSlot, seed: seed)
            var caseStart = clock.now
            let problem = await check(input)
            var took = caseStart.duration(to: clock.now)
            for _ in 0..<2 where took > limit {
                // Again before calling it slow: a busy machine stalls every case at once (seconds, on a
                // loaded 2-core runner), a slow input is slow each time.
                caseStart = clock.now
                _ = await check(input)
                took = min(took, caseStart.duration(to: clock.now))
            }
            report.record(seed: seed, input: input, took: took, limit: limit, problem: problem)
        }
        report.elapsed = start.duration(to: clock.now)
        report.finish()
        return report
    }

    static func parseSeed(_ text: String) -> UInt64? {
        text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
    }

    static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }

    static func hex(_ seed: UInt64) -> String { "0x" + String(seed, radix: 16) }
}

/// What one target's run found.
public struct FuzzReport: Sendable, CustomStringConvertible {
    /// The target's name (`config.application`, `webhook.github`).
    public let target: String
    public internal(set) var inputs = 0
    public internal(set) var elapsed: Duration = .zero
    /// The slowest case and its seed.
    public internal(set) var slowest: Duration = .zero
    public internal(set) var slowestSeed: UInt64 = 0
    /// Each input that broke the property (the first 20 are saved to files).
    public internal(set) var failures: [FuzzFailure] = []

    init(target: String) { self.target = target }

    mutating func record(seed: UInt64, input: [UInt8], took: Duration, limit: Duration, problem: String?) {
        inputs += 1
        if took > slowest { (slowest, slowestSeed) = (took, seed) }
        var problems = problem.map { [$0] } ?? []
        if took > limit { problems.append("took \(took), over the limit of \(limit)") }
        guard !problems.isEmpty else { return }
        let saved = failures.count < 20 ? FuzzFailure.save(input, target: target, seed: seed) : nil
        failures.append(FuzzFailure(target: target, seed: seed, problem: problems.joined(separator: "; "), savedAt: saved))
    }

    mutating func finish() { print(description) }

    /// One line with the figures: inputs, time, slowest case, failures.
    public var description: String {
        let ms = { (d: Duration) in String(format: "%.1f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1e3) }
        return "fuzz \(target): \(inputs) inputs in \(ms(elapsed)), slowest \(ms(slowest)) (seed \(Fuzz.hex(slowestSeed))), "
            + "\(failures.count) failing"
    }
}

/// One input that broke a property, and how to make it again.
public struct FuzzFailure: Sendable, CustomStringConvertible {
    public let target: String
    public let seed: UInt64
    public let problem: String
    /// Where the input was written, when it was.
    public let savedAt: String?

    public var description: String {
        "\(target) seed \(Fuzz.hex(seed)): \(problem)" + (savedAt.map { " (input saved to \($0))" } ?? "")
            + "; replay with CAPSTAN_FUZZ_SEED=\(Fuzz.hex(seed)) swift test --skip-build --filter <suite>"
    }

    static func save(_ input: [UInt8], target: String, seed: UInt64) -> String? {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-fuzz", isDirectory: true)
        let file = folder.appendingPathComponent("\(target)-\(Fuzz.hex(seed)).bin")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(input).write(to: file)
            return file.path
        } catch {
            return nil
        }
    }
}
