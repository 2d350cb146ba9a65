import CapstanCore
import CapstanServer
import CapstanTesting
import HummingbirdTesting
import Foundation
import Testing

/// A stream outlives the token check made when it opened: a token revoked since stops reading at once.
@Suite(.timeLimit(.minutes(1))) struct AuthStreamTests {
    @Test func aRevokedTokenEndsItsOpenStream() async throws {
        let fixture = try AuthFixture()
        defer { fixture.remove() }
        let store = try await Seed.store()
        let path = fixture.path
        let text = try await fixture.withAPI(.live, anonymousRead: false, store: store) { client in
            let port = try #require(client.port)
            return try await EventStreamTestClient.withStream(
                port: port, path: "/api/v1/events/stream?after=12",
                headers: [("Authorization", "Bearer \(AuthFixture.token("vera"))")]) { stream in
                try await stream.read { $0.text.contains(": events after 12") }
                try await store.write([], events: [NewEvent(kind: .stageLog, at: Seed.at(300), app: "checkout", message: "before")])
                try await stream.read(events: 1)
                try TokenFile.update(path) { records in records.removeAll { $0.name == "vera" } }
                try await store.write([], events: [NewEvent(kind: .stageLog, at: Seed.at(301), app: "checkout", message: "after")])
                try await stream.read { $0.ended }
                return stream.text
            }
        }
        #expect(text.contains(#""message":"before""#))
        #expect(!text.contains(#""message":"after""#))
        #expect(text.contains("event: stream.error\ndata: {\"error\":{\"code\":\"unauthorized\""), "\(text)")
    }
}
