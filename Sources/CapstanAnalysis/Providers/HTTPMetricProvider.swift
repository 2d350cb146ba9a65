import CapstanCore
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Metric values from any HTTP endpoint. The metric's `query` is the URL (templated like a query) and
/// is fetched with GET:
///
/// - with a `jsonPath`, the answer must be 2xx JSON, and the number at the path is the value; a path
///   that leads nowhere, or to something that is not a number, is no data with the reason;
/// - without one, a 2xx answer measures 1: the metric checks that the endpoint answers successfully
///   (a smoke test; give it `expected: {min: 1}`).
///
/// Any other status is an error, never a measurement: 3xx and 4xx are the metric's fault (`.badQuery`;
/// redirects are not followed), 5xx the endpoint's (`.unavailable`). The endpoint answers for now: the
/// time asked for is not sent, and there is no history, so range queries are refused.
public struct HTTPMetricProvider: MetricProvider {
    private let fetch: HTTPFetch

    /// A provider whose requests each give up after `timeout`, connecting included.
    public init(timeout: Duration = .seconds(10)) {
        fetch = HTTPFetch(timeout: timeout)
    }

    /// 1 for a 2xx answer to GET `query`.
    public func measure(_ query: String, at time: Date) async throws(ProviderError) -> Measurement {
        try await measure(query, jsonPath: nil, at: time)
    }

    /// The number at `jsonPath` in the JSON answer to GET `query`; 1 for a 2xx answer without a path.
    public func measure(_ query: String, jsonPath: String?, at time: Date) async throws(ProviderError) -> Measurement {
        let path = try jsonPath.map { (text) throws(ProviderError) in try JSONPath(text) }
        let url = try Self.url(query)
        var request = URLRequest(url: url)
        request.httpMethod = "GET"
        request.setValue(path == nil ? "*/*" : "application/json", forHTTPHeaderField: "Accept")
        let response = try await fetch.send(request)
        let target = HTTPFetch.redacted(url)
        switch response.status {
        case 200..<300:
            break
        case 300..<400:
            throw ProviderError(.badQuery, "HTTP \(response.status) from \(target): redirects are not followed; "
                                + "point the metric at the final URL")
        case 400..<500:
            throw ProviderError(.badQuery, "HTTP \(response.status) from \(target)" + PrometheusResponse.snippet(response.body))
        default:
            throw ProviderError(.unavailable, "HTTP \(response.status) from \(target)" + PrometheusResponse.snippet(response.body))
        }
        guard let path else { return .value(1) }
        guard let document = try? JSONDecoder().decode(JSONValue.self, from: response.body) else {
            throw ProviderError(.badResponse, "\(target) did not answer JSON" + PrometheusResponse.snippet(response.body))
        }
        switch path.value(in: document) {
        case .failure(let missing):
            return .noData("jsonPath \(path): \(missing.reason)")
        case .success(.number(let number)):
            return PrometheusResponse.measurement(number)
        case .success(let other):
            return .noData("jsonPath \(path): the value is \(JSONPath.kind(other)), not a number")
        }
    }

    /// An HTTP endpoint has no history to compare against.
    public func measureRange(_ query: String, from start: Date, to end: Date, step: Duration)
        async throws(ProviderError) -> [Double]
    {
        throw ProviderError(.badQuery, "the http provider has no history for a range; use strategy threshold, "
                            + "or a Prometheus provider for comparisons over time")
    }

    /// The metric's query as an absolute http(s) URL.
    static func url(_ query: String) throws(ProviderError) -> URL {
        let text = query.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty
        else {
            // Up to any query string, which may carry a token.
            let shown = URL(string: text).map(HTTPFetch.redacted) ?? String(text.prefix { $0 != "?" }.prefix(100))
            throw ProviderError(.badQuery, "the query of an http metric must be an http:// or https:// URL, got \"\(shown)\"")
        }
        return url
    }
}
