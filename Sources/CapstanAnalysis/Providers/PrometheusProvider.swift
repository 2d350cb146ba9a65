import CapstanCore
public import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Metric values from a Prometheus server's HTTP API: PromQL instant and range queries.
///
/// Queries are POSTed as a form (no URL length limit, and `+` in PromQL is not read as a space), with
/// Prometheus's own `timeout` set to ours so that the server stops evaluating when we stop waiting.
public struct PrometheusProvider: MetricProvider {
    /// The server's base URL (`http://127.0.0.1:9090`, or with a path prefix behind a proxy).
    public let url: URL
    private let authorization: HTTPAuthorization?
    private let fetch: HTTPFetch

    /// A provider asking the server at `url`; each query gives up after `timeout`, connecting included.
    public init(url: URL, timeout: Duration = .seconds(10), authorization: HTTPAuthorization? = nil) {
        self.url = url
        self.authorization = authorization
        self.fetch = HTTPFetch(timeout: timeout)
    }

    public func measure(_ query: String, at time: Date) async throws(ProviderError) -> Measurement {
        let payload = try await ask("api/v1/query", ["query": query, "time": Self.timestamp(time)])
        return try PrometheusResponse.instant(payload)
    }

    public func measureRange(_ query: String, from start: Date, to end: Date, step: Duration)
        async throws(ProviderError) -> [Double]
    {
        guard step > .zero else { throw ProviderError(.badQuery, "the step of a range query must be longer than 0s") }
        guard start <= end else { throw ProviderError(.badQuery, "the range starts after it ends") }
        let payload = try await ask("api/v1/query_range", [
            "query": query, "start": Self.timestamp(start), "end": Self.timestamp(end), "step": Self.seconds(step),
        ])
        return try PrometheusResponse.range(payload)
    }

    private func ask(_ endpoint: String, _ parameters: [String: String]) async throws(ProviderError)
        -> PrometheusResponse.Payload
    {
        let target = url.appendingPathComponent(endpoint)
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.setValue("application/x-www-form-urlencoded", forHTTPHeaderField: "Content-Type")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        if let authorization { request.setValue(authorization.headerValue, forHTTPHeaderField: "Authorization") }
        let form = parameters.merging(["timeout": Self.seconds(fetch.timeout)]) { mine, _ in mine }
        request.httpBody = Data(Self.formEncoded(form).utf8)
        let response = try await fetch.send(request)
        return try PrometheusResponse.payload(status: response.status, body: response.body,
                                              from: HTTPFetch.redacted(target))
    }

    /// `application/x-www-form-urlencoded`, escaping everything but unreserved characters (`+` included).
    static func formEncoded(_ parameters: [String: String]) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return parameters.sorted { $0.key < $1.key }.map { key, value in
            let escaped = value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
            return "\(key)=\(escaped)"
        }.joined(separator: "&")
    }

    /// Unix seconds with milliseconds, the API's time format.
    static func timestamp(_ date: Date) -> String {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded())
        let fraction = String(abs(millis % 1000))
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// Seconds as a decimal number, which the API accepts wherever it takes a duration.
    static func seconds(_ duration: Duration) -> String {
        let millis = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
