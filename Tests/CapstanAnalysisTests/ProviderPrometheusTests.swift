import CapstanAnalysis
import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// Foundation has a `Measurement` too; here the name means the provider's.
private typealias Measurement = CapstanAnalysis.Measurement

/// The Prometheus provider against a real Prometheus (the Debian package), one server for the suite.
@Suite(.sharedPrometheus) struct ProviderPrometheusTests {
    private let provider = PrometheusProvider(url: SharedPrometheus.current!.url, timeout: .seconds(5))

    @Test func aScrapedSeries() async throws {
        // Prometheus applies its scrape targets ~5 s after starting: until then `up` is no data.
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(20))
        var last = Measurement.noData("not asked yet")
        while clock.now < deadline {
            last = try await provider.measure(#"up{job="prometheus"}"#, at: Date())
            if case .value = last { break }
            try await Task.sleep(for: .milliseconds(200))
        }
        #expect(last == .value(1))
        #expect(try await provider.measure(#"prometheus_build_info{job="prometheus"}"#, at: Date()) == .value(1))
        #expect(try await provider.measure(#"count(up{job="prometheus"} == 1)"#, at: Date()) == .value(1))
    }

    @Test(arguments: [
        ("vector(1)", 1.0), ("scalar(vector(2.5))", 2.5), ("sum(vector(3)) * 2", 6),
        ("1 + 2", 3), ("-1e+3", -1000), (#"count(label_replace(vector(1), "a", "x", "", ""))"#, 1),
    ])
    func constants(query: String, value: Double) async throws {
        #expect(try await provider.measure(query, at: Date()) == .value(value))
    }

    @Test func theTimeAskedForIsTheEvaluationTime() async throws {
        let time = Date(timeIntervalSince1970: 1_700_000_000.25)
        #expect(try await provider.measure("time()", at: time) == .value(1_700_000_000.25))
    }

    @Test(arguments: [
        (#"capstan_no_such_metric{variant="canary"}"#, "no series"),
        ("0/0", "NaN"), ("vector(0)/0", "NaN"), ("1/0", "+Inf"), ("-1/0", "-Inf"), ("vector(1)/0", "+Inf"),
    ])
    func nothingUsableIsNoData(query: String, reason: String) async throws {
        let measurement = try await provider.measure(query, at: Date())
        #expect(measurement.reason.contains(reason) && measurement != .value(0), "\(measurement)")
    }

    @Test(arguments: [
        ("sum((", ProviderError.Kind.badQuery, "unclosed left parenthesis"),
        (#"label_replace(vector(1), "a", "x", "", "") or label_replace(vector(2), "a", "y", "", "")"#, .badQuery,
         "returned 2 series ({a=\"x\"}, {a=\"y\"}); a metric needs one number: aggregate them, e.g. sum(...) or avg(...)"),
        ("up[1m]", .badQuery, "range vector"),
        (#""abc""#, .badQuery, "string"),
    ])
    func refusedQueries(query: String, kind: ProviderError.Kind, message: String) async {
        await #expect {
            try await provider.measure(query, at: Date())
        } throws: { error in
            guard let error = error as? ProviderError, error.kind == kind, error.message.contains(message) else {
                Issue.record("got \(error)")
                return false
            }
            return true
        }
    }

    @Test func aRangeQueryReturnsEverySample() async throws {
        let end = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
        let start = end.addingTimeInterval(-10)
        let ones = try await provider.measureRange("vector(1)", from: start, to: end, step: .seconds(1))
        #expect(ones == Array(repeating: 1, count: 11))
        let times = try await provider.measureRange("time()", from: start, to: end, step: .seconds(5))
        #expect(times == [start.timeIntervalSince1970, start.timeIntervalSince1970 + 5, end.timeIntervalSince1970])
        let nan = try await provider.measureRange("0/0", from: start, to: end, step: .seconds(5))
        #expect(nan.count == 3 && nan.allSatisfy(\.isNaN))
        #expect(try await provider.measureRange("capstan_no_such_metric", from: start, to: end, step: .seconds(5)) == [])
        await #expect(throws: ProviderError.self) {
            try await provider.measureRange(#"label_replace(vector(1), "a", "x", "", "") or vector(2)"#,
                                            from: start, to: end, step: .seconds(5))
        }
    }

    @Test func aStoppedPrometheusIsUnavailableAtOnce() async throws {
        let own = try await PrometheusProcess()
        let provider = PrometheusProvider(url: own.url, timeout: .seconds(5))
        #expect(try await provider.measure("vector(1)", at: Date()) == .value(1))
        own.stop()
        let started = ContinuousClock.now
        await #expect {
            try await provider.measure("vector(1)", at: Date())
        } throws: { error in
            (error as? ProviderError)?.kind == .unavailable
        }
        // Well under the request's 30 s timeout; the margin is for a loaded CI machine.
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test func aServerThatNeverAnswersIsUnavailableAfterTheTimeout() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let provider = PrometheusProvider(url: URL(string: "http://127.0.0.1:\(silent.port)")!, timeout: .seconds(1))
        let started = ContinuousClock.now
        await #expect {
            try await provider.measure("vector(1)", at: Date())
        } throws: { error in
            guard let error = error as? ProviderError else { return false }
            return error.kind == .unavailable && error.message.contains("1s")
        }
        let elapsed = ContinuousClock.now - started
        #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(10), "\(elapsed)")
    }

    @Test func cancellingTheCallerAnswersAtOnceWithoutCancellingTheRequest() async throws {
        let silent = try SilentListener()
        defer { silent.close() }
        let provider = PrometheusProvider(url: URL(string: "http://127.0.0.1:\(silent.port)")!, timeout: .seconds(30))
        let started = ContinuousClock.now
        let task = Task { try await provider.measure("vector(1)", at: Date()) }
        try await Task.sleep(for: .milliseconds(200))
        task.cancel()
        let result = await task.result
        #expect(ContinuousClock.now - started < .seconds(10))  // well under the 30 s timeout; margin for a loaded machine
        #expect(throws: ProviderError.self) { try result.get() }
    }
}

extension CapstanAnalysis.Measurement {
    /// The no-data reason, or "" for a value.
    fileprivate var reason: String {
        if case .noData(let reason) = self { reason } else { "" }
    }
}

/// Starts one Prometheus around a whole suite and stops it afterwards.
struct SharedPrometheus: SuiteTrait, TestScoping {
    @TaskLocal static var current: PrometheusProcess?

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void)
        async throws
    {
        let prometheus = try await PrometheusProcess()
        defer { prometheus.stop() }
        try await Self.$current.withValue(prometheus, operation: function)
    }
}

extension Trait where Self == SharedPrometheus {
    /// One real Prometheus for the suite, as `SharedPrometheus.current`.
    static var sharedPrometheus: Self { Self() }
}
