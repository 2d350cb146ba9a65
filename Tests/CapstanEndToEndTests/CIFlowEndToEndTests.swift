import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// What a CI job does, for real: `capstan serve` with auth and an hour between polls, a token made with
/// `capstan token create`, then `id=$(capstan app sync hello -q) && capstan deployment follow "$id"` as child
/// processes — whose exit status is the job's: 0 for a good release, 1 for one that was rolled back.
@Suite(.serialized, .timeLimit(.minutes(3))) struct CIFlowEndToEndTests {
    @Test func syncThenFollowExitsWithTheOutcome() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.setPollInterval("1h")
        try fixture.appendServerConfig("auth: {tokensFile: tokens.jsonl, anonymousRead: false}")
        let config = fixture.root.appendingPathComponent("server.yaml").path
        let deployer = try await Self.capstan(["token", "create", "--name", "ci", "--role", "deployer", "--config", config])
        #expect(deployer.status == 0, "\(deployer.stderr)")
        let token = deployer.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let viewer = try await Self.capstan(["token", "create", "--name", "vera", "--role", "viewer", "--config", config])
        try fixture.startServer()
        let server = ["--server", "http://127.0.0.1:\(fixture.apiPort)"]
        #expect(await fixture.eventually { await fixture.version("hello") == "1.0.0" }, "\(fixture.serverLog)")

        // A viewer may look but not deploy; no deployment comes of it.
        let refused = try await Self.capstan(["app", "sync", "hello", "-q"] + server,
                                             token: viewer.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("vera (viewer) may not sync"), "\(refused.stderr)")

        // A good v2: the job's follow exits 0 once it is live.
        try fixture.setVersion("hello", "2.0.0")
        let good = try fixture.push("hello v2")
        let synced = try await Self.capstan(["app", "sync", "hello", "-q"] + server, token: token)
        #expect(synced.status == 0, "\(synced.stderr)")
        let id = synced.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(id.hasPrefix("d-"), "\(synced.stdout)")
        let followed = try await Self.capstan(["deployment", "follow", id] + server, token: token)
        #expect(followed.status == 0, "\(followed.stdout)\(followed.stderr)\n\(fixture.serverLog)")
        #expect(followed.stdout.contains("\(id)  hello  \(good.short)"), "\(followed.stdout)")
        #expect(followed.stdout.hasSuffix("\(id): SUCCESS\n") || followed.stdout.contains("SUCCESS"), "\(followed.stdout)")
        #expect(await fixture.version("hello") == "2.0.0")

        // A v3 that never starts: rolled back to v2, and the job's follow exits 1.
        try fixture.setVersion("hello", "3.0.0", healthTimeout: "3s", command: #"["python3", "-c", "import sys; sys.exit(3)"]"#)
        try fixture.push("hello v3, broken")
        let second = try await Self.capstan(["app", "sync", "hello", "-q"] + server, token: token)
        let broken = second.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let failed = try await Self.capstan(["deployment", "follow", broken] + server, token: token)
        #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)\n\(fixture.serverLog)")
        #expect(failed.stdout.contains("ROLLBACK"), "\(failed.stdout)")
        #expect(await fixture.version("hello") == "2.0.0")

        // Following the latest, as `capstan app sync X && capstan deployment follow --latest X` does, agrees.
        let latest = try await Self.capstan(["deployment", "follow", "--latest", "hello"] + server, token: token)
        #expect(latest.status == 1)
        #expect(latest.stdout.hasPrefix("\(broken)  hello"), "\(latest.stdout)")
    }

    /// Runs the `capstan` executable built beside the tests, off the cooperative pool (it may run for seconds).
    static func capstan(_ arguments: [String], token: String? = nil) async throws
        -> (status: Int32, stdout: String, stderr: String) {
        let executable = ServeFixture.binDirectory.appendingPathComponent("capstan").path
        let environment = token.map { ["CAPSTAN_TOKEN": $0] } ?? [:]
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runProcess(executable, arguments, environment: environment) })
            }
        }
    }
}
