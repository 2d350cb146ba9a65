import Foundation

/// One benchmark: something of ours against a baseline, both timed in the same run.
protocol Scenario {
    /// Shown in the table and the JSON.
    var name: String { get }
    /// What we hope the ratio baseline/ours reaches, e.g. "≥5x".
    var goal: String { get }
    /// Builds the fixture; not timed.
    mutating func prepare() async throws
    /// One run of our implementation.
    func ours() async throws
    /// One run of the baseline.
    func baseline() async throws
    /// When one run moves many items (events, rows): how many, and what to call them in the report.
    var itemsPerOp: (count: Int, unit: String)? { get }
}

extension Scenario {
    var itemsPerOp: (count: Int, unit: String)? { nil }
}

/// Median and tail of a set of timings.
struct Timing: Codable, Sendable {
    let medianMs: Double
    let p99Ms: Double
    let samples: Int

    enum CodingKeys: String, CodingKey {
        case medianMs = "median_ms", p99Ms = "p99_ms", samples
    }

    /// Nearest-rank percentiles of `durations`.
    init(_ durations: [Duration]) {
        let sorted = durations.map { Double($0.components.seconds) * 1e3 + Double($0.components.attoseconds) / 1e15 }.sorted()
        func percentile(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
            return sorted[min(max(rank, 1), sorted.count) - 1]
        }
        medianMs = percentile(50)
        p99Ms = percentile(99)
        samples = sorted.count
    }
}

/// Runs `body` `warmup` times untimed, then `iterations` times timed.
func measure(warmup: Int, iterations: Int, _ body: () async throws -> Void) async throws -> Timing {
    for _ in 0..<warmup { try await body() }
    let clock = ContinuousClock()
    var durations: [Duration] = []
    durations.reserveCapacity(iterations)
    for _ in 0..<iterations {
        let start = clock.now
        try await body()
        durations.append(clock.now - start)
    }
    return Timing(durations)
}
