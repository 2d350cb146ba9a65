import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Hummingbird
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing

/// `/healthz`, the wire form of times, and the application wrapper.
@Suite struct HealthAndTimestampTests {
    @Test(arguments: Transport.allCases)
    func healthIsOkWhenTheStoreAnswers(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
            #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
        }
    }

    @Test(arguments: Transport.allCases)
    func healthIs503WhenTheStoreFails(_ transport: Transport) async throws {
        try await Seed.withAPI(transport, store: FailingDeploymentStore(message: "disk I/O error (database is locked)")) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .serviceUnavailable)
            #expect(try response.decoded(HealthView.self) == HealthView(status: "unavailable",
                                                                        message: "disk I/O error (database is locked)"))
        }
    }

    @Test func aCustomHealthCheckDecides() async throws {
        let app = Hummingbird.Application(router: CapstanAPI.router(store: FailingDeploymentStore(message: "disk I/O error (database is locked)"), health: {}))
        try await app.test(.router) { client in
            let response = try await client.execute(uri: "/healthz", method: .get)
            #expect(response.status == .ok)
        }
    }

    @Test func theApplicationListensOnThePortItReports() async throws {
        let store = try await Seed.store()
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "capstan-test")
        logger.logLevel = .warning
        let app = CapstanAPI.application(store: store, port: 0, logger: logger, onListening: { continuation.yield($0) })
        let services = ServiceGroup(services: [app], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            #expect(port > 0)
            let url = try #require(URL(string: "http://127.0.0.1:\(port)/healthz"))
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text == #"{"status":"ok"}"#)
            await services.triggerGracefulShutdown()
        }
    }

    static let times: [(seconds: Double, text: String)] = [
        (1_740_830_400, "2025-03-01T12:00:00.000000Z"),
        (1_740_830_400.25, "2025-03-01T12:00:00.250000Z"),
        (1_740_830_400.000001, "2025-03-01T12:00:00.000001Z"),
        (1_740_830_400.9999996, "2025-03-01T12:00:01.000000Z"),
        (0, "1970-01-01T00:00:00.000000Z"),
    ]

    @Test(arguments: times)
    func timesAreUTCWithMicroseconds(_ time: (seconds: Double, text: String)) throws {
        #expect(Timestamp(Date(timeIntervalSince1970: time.seconds)).description == time.text)
        let parsed = try #require(Timestamp(time.text))
        #expect(abs(parsed.date.timeIntervalSince1970 - time.seconds) < 0.000_001)
    }

    @Test(arguments: ["2025-03-01T12:00:00Z", "2025-03-01T12:00:00.5Z"])
    func parsesShorterForms(_ text: String) {
        #expect(Timestamp(text) != nil)
    }

    @Test(arguments: ["", "2025-03-01", "2025-03-01T12:00:00", "2025-03-01T12:00:00+01:00", "2025-03-01T12:00:00.Z",
                      "2025-03-01T12:00:00.1xZ"])
    func refusesOtherForms(_ text: String) {
        #expect(Timestamp(text) == nil)
    }
}
