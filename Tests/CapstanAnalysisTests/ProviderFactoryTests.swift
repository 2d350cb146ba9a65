import CapstanAnalysis
import CapstanCore
import Foundation
import Testing

/// `MetricProviders.make`: the server config's providers, with their secrets read once.
@Suite struct ProviderFactoryTests {
    struct NotSet: Error, CustomStringConvertible {
        let description = "the environment variable PROM_TOKEN is not set"
    }

    @Test func buildsEachKind() throws {
        let providers = try MetricProviders.make([
            AnalysisProviderConfig(name: "prometheus", kind: .prometheus, url: "http://127.0.0.1:9090"),
            AnalysisProviderConfig(name: "smoke", kind: .http, timeout: .seconds(5)),
        ]) { _ in Issue.record("no secret to read"); return "" }
        #expect(providers["prometheus"] is PrometheusProvider)
        #expect((providers["prometheus"] as? PrometheusProvider)?.url == URL(string: "http://127.0.0.1:9090"))
        #expect(providers["smoke"] is HTTPMetricProvider)
    }

    @Test func aSecretThatCannotBeReadNamesItsSourceOnly() {
        let config = AnalysisProviderConfig(name: "prom", kind: .prometheus, url: "http://p:9090",
                                            credentials: .bearer(token: .environment("PROM_TOKEN")))
        #expect(throws: MetricProviders.SetupError(
            provider: "prom", message: "cannot read its credentials: the environment variable PROM_TOKEN is not set")) {
            try MetricProviders.make(config) { _ in throw NotSet() }
        }
        let basic = AnalysisProviderConfig(name: "prom", kind: .prometheus, url: "http://p:9090",
                                           credentials: .basic(username: "u", password: .file("/p")))
        #expect(throws: MetricProviders.SetupError(provider: "prom", message: "the file /p is empty")) {
            try MetricProviders.make(basic) { _ in "" }
        }
    }

    @Test func refusesWhatTheDecoderWouldHave() {
        #expect(throws: MetricProviders.SetupError.self) {
            try MetricProviders.make(AnalysisProviderConfig(name: "p", kind: .prometheus)) { _ in "" }
        }
        #expect(throws: MetricProviders.SetupError(provider: "p", message: "two providers have this name")) {
            try MetricProviders.make([AnalysisProviderConfig(name: "p", kind: .http),
                                      AnalysisProviderConfig(name: "p", kind: .http)]) { _ in "" }
        }
    }

    @Test func authorizationsNeverShowTheirSecret() {
        for authorization in [HTTPAuthorization.bearer("s3cret"), .basic(username: "u", password: "s3cret")] {
            var dumped = ""
            dump(authorization, to: &dumped)
            for text in ["\(authorization)", String(reflecting: authorization), dumped] {
                #expect(!text.contains("s3cret") && !text.contains("dTpzM2NyZXQ="), "\(text)")
            }
        }
        #expect("\(HTTPAuthorization.bearer("s3cret"))" == "Bearer <redacted>")
    }
}
