public import Foundation

/// A source of metric values for ANALYSIS (Prometheus, an HTTP endpoint). Providers are named in the
/// server config (`analysisProviders`) and looked up by the metric's `provider`.
///
/// "No data" is never a number: an empty result, NaN or ±Inf come back as ``Measurement/noData(_:)``
/// so that the analysis applies the metric's missing-data policy instead of passing silently.
public protocol MetricProvider: Sendable {
    /// The value of `query` at `time`: exactly one number, or no data.
    func measure(_ query: String, at time: Date) async throws(ProviderError) -> Measurement
    /// The values of `query` from `start` to `end`, one every `step` (for `previous` comparisons), oldest
    /// first. A sample without a usable value (NaN, ±Inf) is NaN, for the metric's `nanStrategy`; a query
    /// that matches nothing gives an empty array.
    func measureRange(_ query: String, from start: Date, to end: Date, step: Duration) async throws(ProviderError) -> [Double]
    /// Like ``measure(_:at:)``, reading the value at the metric's `jsonPath` in the answer. Call this one
    /// with `MetricSpec.jsonPath`: the HTTP provider needs it.
    func measure(_ query: String, jsonPath: String?, at time: Date) async throws(ProviderError) -> Measurement
}

extension MetricProvider {
    /// For providers whose answers have no JSON path: without one, a plain ``measure(_:at:)``; with one, an
    /// error, since ignoring a path the user wrote would measure something else than they meant.
    public func measure(_ query: String, jsonPath: String?, at time: Date) async throws(ProviderError) -> Measurement {
        guard let jsonPath else { return try await measure(query, at: time) }
        throw ProviderError(.badQuery, "this provider does not read jsonPath (\(jsonPath)); remove it from the metric")
    }
}

/// One measurement of one metric.
public enum Measurement: Sendable, Hashable {
    case value(Double)
    /// The provider answered, but with nothing usable; the reason says what (empty result, NaN, …).
    case noData(String)
}

/// Why a provider could not answer; the analysis counts these toward `consecutiveErrorLimit`.
public struct ProviderError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// Not reachable, or no answer in time.
        case unavailable
        /// The provider refused the query (bad PromQL, unknown metric path).
        case badQuery
        /// An answer that is not what the protocol promises.
        case badResponse
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { "\(kind.rawValue): \(message)" }
}
