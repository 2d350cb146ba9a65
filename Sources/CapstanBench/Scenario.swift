import Foundation

/// One benchmark: something of ours against a baseline, both timed in the same run.
protocol Scenario {
    /// Shown in the table and the JSON.
    var name: String { get }
    /// What we hope the ratio baseline/ours reaches, e.g. "≥5x".
    var goal: String { get }
    /// Timed runs of each side unless `--iterations` says otherwise.
    var iterations: Int { get }
    /// Builds the fixture; not timed.
    mutating func prepare() async throws
    /// One run of our implementation.
    func ours() async throws
    /// One run of the baseline.
    func baseline() async throws
    /// Times one side: `warmup` untimed runs, then `iterations` timed ones. By default each run is one
    /// sample, its duration; a scenario whose run is made of parts worth timing apart (the stages of a
    /// deployment) returns one sample per part instead.
    func samples(_ side: Side, warmup: Int, iterations: Int) async throws -> [Duration]
    /// Releases what `prepare` made (processes, open files); runs after a failure too.
    mutating func tearDown() async
    /// When one run moves many items (events, rows): how many, and what to call them in the report.
    var itemsPerOp: (count: Int, unit: String)? { get }
    /// For a scenario whose load generator counts requests itself: both sides' rates, which the report's
    /// ratio is then made of (read after both sides ran).
    var measuredThroughput: Report.Throughput? { get }
    /// Other figures a scenario measured besides time (bytes exchanged, peak RSS), by name; read after both
    /// sides ran, written to the JSON.
    var notes: [String: Double] { get }
}

/// Which implementation a measurement is of.
enum Side: Sendable {
    case ours, baseline
}

extension Scenario {
    var iterations: Int { 200 }
    var itemsPerOp: (count: Int, unit: String)? { nil }
    var measuredThroughput: Report.Throughput? { nil }
    var notes: [String: Double] { [:] }

    func samples(_ side: Side, warmup: Int, iterations: Int) async throws -> [Duration] {
        try await measure(warmup: warmup, iterations: iterations) {
            switch side {
            case .ours: try await ours()
            case .baseline: try await baseline()
            }
        }
    }

    mutating func tearDown() async {}
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

/// Runs `body` `warmup` times untimed, then `iterations` times timed; returns each timed run's duration.
func measure(warmup: Int, iterations: Int, _ body: () async throws -> Void) async throws -> [Duration] {
    for _ in 0..<warmup { try await body() }
    let clock = ContinuousClock()
    var durations: [Duration] = []
    durations.reserveCapacity(iterations)
    for _ in 0..<iterations {
        let start = clock.now
        try await body()
        durations.append(clock.now - start)
    }
    return durations
}
