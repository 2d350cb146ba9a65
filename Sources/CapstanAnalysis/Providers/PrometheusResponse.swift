import CapstanCore
import Foundation

/// Reads the answers of Prometheus's HTTP API (`/api/v1/query`, `/api/v1/query_range`); pure, so that
/// every shape of answer is tested without a server.
enum PrometheusResponse {
    /// The `data` of a successful answer.
    struct Payload: Equatable {
        let resultType: String
        let result: JSONValue
    }

    /// The envelope: `{"status":"success","data":{...}}` or `{"status":"error","errorType":...,"error":...}`.
    static func payload(status: Int, body: Data, from target: String) throws(ProviderError) -> Payload {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            guard (200..<300).contains(status) else {
                throw ProviderError(.unavailable, "HTTP \(status) from \(target)" + snippet(body))
            }
            throw ProviderError(.badResponse, "\(target) answered HTTP \(status) with something that is not JSON" + snippet(body))
        }
        switch json["status"]?.stringValue {
        case "success":
            guard let data = json["data"], let type = data["resultType"]?.stringValue, let result = data["result"] else {
                throw ProviderError(.badResponse, "\(target) answered success without data.resultType and data.result")
            }
            return Payload(resultType: type, result: result)
        case "error":
            let type = json["errorType"]?.stringValue ?? "unknown"
            let message = json["error"]?.stringValue ?? "(no message)"
            throw ProviderError(kind(ofErrorType: type), "Prometheus refused the query (\(type)): \(message)")
        default:
            guard (200..<300).contains(status) else {
                throw ProviderError(.unavailable, "HTTP \(status) from \(target)" + snippet(body))
            }
            throw ProviderError(.badResponse, "\(target) answered without a status of success or error")
        }
    }

    /// The error types of the Prometheus API: the query's fault, the server's state, or something else.
    static func kind(ofErrorType type: String) -> ProviderError.Kind {
        switch type {
        case "bad_data", "execution", "not_found": .badQuery
        case "timeout", "canceled", "unavailable": .unavailable
        default: .badResponse
        }
    }

    /// An instant query's one number: a scalar, or a vector of exactly one series.
    static func instant(_ data: Payload) throws(ProviderError) -> Measurement {
        switch data.resultType {
        case "scalar":
            return try measurement(sample(data.result))
        case "vector":
            guard case .array(let series) = data.result else { throw malformed("vector") }
            guard let first = series.first else {
                return .noData("the query returned no series (nothing matched, or no sample in the lookback window)")
            }
            guard series.count == 1 else { throw tooManySeries(series) }
            return try measurement(sample(first["value"]))
        case "matrix":
            throw ProviderError(.badQuery, "the query returns a range vector (like x[5m]); "
                                + "turn it into one number per series with a function such as rate(...) or avg_over_time(...)")
        case "string":
            throw ProviderError(.badQuery, "the query returns a string, not a number")
        default:
            throw ProviderError(.badResponse, "unknown resultType \"\(data.resultType)\"")
        }
    }

    /// A range query's samples, oldest first; NaN and ±Inf come back as NaN (no usable value).
    static func range(_ data: Payload) throws(ProviderError) -> [Double] {
        guard data.resultType == "matrix" else {
            throw ProviderError(.badResponse, "a range query answered \(data.resultType), not matrix")
        }
        guard case .array(let series) = data.result else { throw malformed("matrix") }
        guard let first = series.first else { return [] }
        guard series.count == 1 else { throw tooManySeries(series) }
        guard case .array(let values)? = first["values"] else { throw malformed("matrix") }
        var samples: [Double] = []
        samples.reserveCapacity(values.count)
        for value in values {
            let number = try sample(value)
            samples.append(number.isFinite ? number : .nan)
        }
        return samples
    }

    /// `[<unix time>, "<value>"]`: Prometheus writes values as strings, including `NaN`, `+Inf` and `-Inf`.
    static func sample(_ value: JSONValue?) throws(ProviderError) -> Double {
        guard case .array(let pair)? = value, pair.count == 2, case .string(let text) = pair[1] else {
            throw ProviderError(.badResponse, "expected a sample [time, \"value\"], got \(value?.description ?? "nothing")")
        }
        switch text {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default:
            guard let number = Double(text) else {
                throw ProviderError(.badResponse, "the sample value \"\(text)\" is not a number")
            }
            return number
        }
    }

    static func measurement(_ number: Double) -> Measurement {
        if number.isNaN { return .noData("the value is NaN (such as 0/0: nothing to divide by)") }
        if number.isInfinite { return .noData("the value is \(number > 0 ? "+Inf" : "-Inf") (a division by zero)") }
        return .value(number)
    }

    private static func tooManySeries(_ series: [JSONValue]) -> ProviderError {
        let shown = series.prefix(3).map { labels($0["metric"]) }.joined(separator: ", ")
        let more = series.count > 3 ? ", …" : ""
        return ProviderError(.badQuery, "the query returned \(series.count) series (\(shown)\(more)); a metric needs "
                             + "one number: aggregate them, e.g. sum(...) or avg(...)")
    }

    /// `{job="api", instance="a:1"}` or `{}`.
    private static func labels(_ metric: JSONValue?) -> String {
        guard case .object(let labels)? = metric else { return "{}" }
        return "{" + labels.keys.sorted().map { "\($0)=\"\(labels[$0]?.stringValue ?? "")\"" }
            .joined(separator: ", ") + "}"
    }

    private static func malformed(_ type: String) -> ProviderError {
        ProviderError(.badResponse, "a \(type) result that is not a list")
    }

    /// The start of a body, to say what answered (a proxy's error page, ...); never more than a line.
    static func snippet(_ body: Data) -> String {
        let text = String(decoding: body.prefix(200), as: UTF8.self)
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init)?.trimmingCharacters(in: .whitespaces) ?? ""
        return line.isEmpty ? "" : ": \(line)"
    }
}
