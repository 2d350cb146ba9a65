import ArgumentParser
@testable import CapstanCLI
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// The CLI follows no redirect, so a token never goes where the server's `Location` points.
@Suite struct TokenRedirectTests {
    @Test func aRedirectIsAnErrorAndTheTokenGoesNowhereElse() async throws {
        let elsewhere = Mutex<[String]>([])
        let router = Router()
        router.get("/api/v1/apps") { _, _ in
            Response(status: .found, headers: [.location: "/elsewhere"])
        }
        router.get("/elsewhere") { request, _ in
            elsewhere.withLock { $0.append(request.headers[.authorization] ?? "none") }
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "[]")))
        }
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        var logger = Logger(label: "capstan-redirect-test")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { continuation.yield($0.localAddress?.port ?? 0) }, logger: logger)
        let services = ServiceGroup(services: [app], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await services.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            let result = try await capstan(["apps", "--server", "http://127.0.0.1:\(port)", "--token", "capstan_secret"])
            await services.triggerGracefulShutdown()
            #expect(result.status == 1)
            #expect(result.err.contains("HTTP 302") && !result.err.contains("capstan_secret"), "\(result.err)")
        }
        #expect(elsewhere.withLock { $0 }.isEmpty)
    }
}
