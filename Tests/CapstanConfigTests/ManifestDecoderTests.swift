import CapstanConfig
import CapstanCore
import Foundation
import Testing

@Suite struct ManifestDecoderTests {
    private func decode(_ yaml: String) -> Decoded<Manifest> { ManifestDecoder.decode(Data(yaml.utf8), file: "svc.yaml") }

    @Test func decodesTheExample() throws {
        let url = ApplicationDecoderTests.examples.appendingPathComponent("hello/service.yaml")
        let decoded = ManifestDecoder.decode(try Data(contentsOf: url), file: "hello/service.yaml")
        let expected = ProcessService(name: "hello", command: ["python3", "server.py", "--port", "${PORT}"],
                                      env: ["VERSION": "1.0.0"], replicas: 2, port: 18080,
                                      health: HealthCheck(http: "/healthz", timeout: .seconds(10)))
        #expect(decoded.validValue == .processService(expected))
    }

    @Test func reportsAllProblems() {
        let errors = decode("""
            apiVersion: capstan/v1
            kind: ProcessService
            name: web
            command: []
            replicas: many
            port: 70000
            health: {http: healthz, timout: 5s}
            """).diagnostics.map(\.description)
        #expect(Set(errors) == [
            "svc.yaml:4:10: command: needs at least the program to run",
            "svc.yaml:5:11: replicas: expected an integer, got \"many\"",
            "svc.yaml:6:7: port: must be between 1 and 65535, got 70000",
            "svc.yaml:7:16: health.http: expected an HTTP path starting with /, got \"healthz\"",
            "svc.yaml:7:25: health.timout: unknown field \"timout\"; did you mean \"timeout\"?",
        ])
        #expect(errors.count == 5)
    }

    @Test func needsAKind() {
        #expect(decode("name: x").diagnostics.first?.message == "a manifest needs a kind (one of ProcessService)")
    }
}
