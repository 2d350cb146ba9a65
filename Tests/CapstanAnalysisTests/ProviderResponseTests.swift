@testable import CapstanAnalysis
import CapstanCore
import Foundation
import Testing

/// Foundation has a `Measurement` too; here the name means the provider's.
private typealias Measurement = CapstanAnalysis.Measurement

/// Every shape of Prometheus answer and every JSON path, without a server.
@Suite struct ProviderResponseTests {
    private func payload(_ json: String, status: Int = 200) throws(ProviderError) -> PrometheusResponse.Payload {
        try PrometheusResponse.payload(status: status, body: Data(json.utf8), from: "http://p/api/v1/query")
    }

    private func instant(_ json: String) throws(ProviderError) -> Measurement {
        try PrometheusResponse.instant(payload(json))
    }

    @Test(arguments: [
        (#"{"status":"success","data":{"resultType":"scalar","result":[1.5,"42"]}}"#, Measurement.value(42)),
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"0.25"]}]}}"#, .value(0.25)),
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"a":"b"},"value":[1,"-3e2"]}]}}"#, .value(-300)),
    ])
    func numbers(json: String, expected: CapstanAnalysis.Measurement) throws {
        #expect(try instant(json) == expected)
    }

    @Test(arguments: [
        (#"{"status":"success","data":{"resultType":"vector","result":[]}}"#, "no series"),
        (#"{"status":"success","data":{"resultType":"scalar","result":[1,"NaN"]}}"#, "NaN"),
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"+Inf"]}]}}"#, "+Inf"),
        (#"{"status":"success","data":{"resultType":"vector","result":[{"metric":{},"value":[1,"-Inf"]}]}}"#, "-Inf"),
    ])
    func nothingUsableIsNoDataWithTheReason(json: String, reason: String) throws {
        let measurement = try instant(json)
        guard case .noData(let text) = measurement else {
            Issue.record("expected no data, got \(measurement)")
            return
        }
        #expect(text.contains(reason), "\(text)")
    }

    @Test func severalSeriesMustBeAggregated() {
        let json = #"{"status":"success","data":{"resultType":"vector","result":["#
            + #"{"metric":{"a":"x"},"value":[1,"1"]},{"metric":{"a":"y","b":"z"},"value":[1,"2"]}]}}"#
        #expect {
            try instant(json)
        } throws: { error in
            let error = error as? ProviderError
            return error?.kind == .badQuery && error!.message.contains("2 series ({a=\"x\"}, {a=\"y\", b=\"z\"})")
                && error!.message.contains("sum(")
        }
    }

    @Test(arguments: [
        (#"{"status":"error","errorType":"bad_data","error":"1:6: parse error: unclosed left parenthesis"}"#, 400,
         ProviderError.Kind.badQuery, "unclosed left parenthesis"),
        (#"{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}"#, 422, .badQuery, "many-to-many"),
        (#"{"status":"error","errorType":"timeout","error":"query timed out in expression evaluation"}"#, 503, .unavailable, "timed out"),
        (#"{"status":"error","errorType":"internal","error":"boom"}"#, 500, .badResponse, "boom"),
        ("<html>Bad Gateway</html>", 502, .unavailable, "HTTP 502 from http://p/api/v1/query: <html>Bad Gateway</html>"),
        ("not json", 200, .badResponse, "not JSON"),
        (#"{"hello":"world"}"#, 200, .badResponse, "without a status"),
        (#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#, 200, .badQuery, "range vector"),
        (#"{"status":"success","data":{"resultType":"string","result":[1,"abc"]}}"#, 200, .badQuery, "string"),
        (#"{"status":"success","data":{"resultType":"scalar","result":[1,"many"]}}"#, 200, .badResponse, "\"many\""),
    ])
    func errors(body: String, status: Int, kind: ProviderError.Kind, message: String) {
        #expect {
            try PrometheusResponse.instant(payload(body, status: status))
        } throws: { error in
            guard let error = error as? ProviderError, error.kind == kind, error.message.contains(message) else {
                Issue.record("got \(error)")
                return false
            }
            return true
        }
    }

    @Test func rangeSamplesKeepTheirOrderAndMarkNonFiniteAsNaN() throws {
        let json = #"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":"#
            + #"[[1,"1"],[2,"NaN"],[3,"+Inf"],[4,"2.5"]]}]}}"#
        let samples = try PrometheusResponse.range(payload(json))
        #expect(samples.count == 4 && samples[0] == 1 && samples[1].isNaN && samples[2].isNaN && samples[3] == 2.5)
        #expect(try PrometheusResponse.range(payload(#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)) == [])
    }

    @Test func formEncodingEscapesPlusAndSpaces() {
        #expect(PrometheusProvider.formEncoded(["query": "1 + 2e+3", "time": "1.500"]) == "query=1%20%2B%202e%2B3&time=1.500")
        #expect(PrometheusProvider.timestamp(Date(timeIntervalSince1970: 1_700_000_000.05)) == "1700000000.050")
        #expect(PrometheusProvider.seconds(.milliseconds(1500)) == "1.500")
    }

    // MARK: JSON paths

    static let document: JSONValue = .object([
        "data": .object([
            "items": .array([.object(["value": .number(3.5), "name": .string("a")]), .object(["value": .null])]),
            "ok": .bool(true),
        ]),
    ])

    @Test(arguments: [
        ("data.items[0].value", JSONValue.number(3.5)),
        ("$.data.items[0].name", .string("a")),
        ("data.ok", .bool(true)),
        ("data.items[1].value", .null),
    ])
    func pathsFindTheirValue(path: String, expected: JSONValue) throws {
        #expect(try JSONPath(path).value(in: Self.document) == .success(expected))
    }

    @Test(arguments: [
        ("data.items[2].value", "$.data.items has 2 items, no [2]"),
        ("data.missing", "$.data has no \"missing\""),
        ("data.ok.deeper", "$.data.ok is the boolean true, not an object with \"deeper\""),
        ("data[0]", "$.data is an object, not a list"),
    ])
    func missingPathsSayWhere(path: String, reason: String) throws {
        #expect(try JSONPath(path).value(in: Self.document) == .failure(JSONPath.Missing(reason: reason)))
    }

    @Test func wholeDocumentAndRootIndex() throws {
        #expect(try JSONPath("$").value(in: .number(7)) == .success(.number(7)))
        #expect(try JSONPath("[1]").value(in: .array([.number(1), .number(2)])) == .success(.number(2)))
    }

    @Test(arguments: ["", "a..b", "a.", ".a", "a[", "a[x]", "a[-1]", "a]b", "a[0]b"])
    func badPathsAreTheMetricsFault(path: String) {
        #expect {
            try JSONPath(path)
        } throws: { error in
            (error as? ProviderError)?.kind == .badQuery
        }
    }
}
