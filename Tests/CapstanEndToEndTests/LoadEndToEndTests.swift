import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// A rollout under load: 200 followers of the event stream (`curl -N`, each its own connection) and a flood
/// of signed webhooks (`wrk`) while a canary runs. Every follower sees every event of the rollout, in order,
/// none twice; the rollout's timed stage takes as long as without the load; the server's memory stays bounded.
@Suite(.serialized, .timeLimit(.minutes(4))) struct LoadEndToEndTests {
    static let followers = 200
    static let secret = "load-webhook-secret"

    static let pipeline = """
        pipeline:
          - stage: CANARY_ROLLOUT
            with: {replicas: 1}
          - stage: TRAFFIC_ROUTING
            with: {primary: 50, canary: 50}
          - stage: WAIT
            with: {duration: 4s}
          - stage: PRIMARY_ROLLOUT
          - stage: TRAFFIC_ROUTING
            with: {primary: 100}
          - stage: CANARY_CLEAN

        """

    @Test func twoHundredFollowersAndAWebhookFloodDuringARollout() async throws {
        let fixture = try ServeFixture()
        defer { fixture.tearDown() }
        try fixture.appendServerConfig("webhooks: {generic: {secret: \(Self.secret)}}")
        try fixture.configure("hello", Self.pipeline)
        try fixture.push("pipeline")
        try fixture.startServer()
        #expect(await fixture.eventually {
            (await fixture.app("hello"))?["status"] as? String == "SYNCED" && fixture.running("hello").count == 2
        }, "\(fixture.serverLog)")

        // Unloaded: v2.
        try fixture.setVersion("hello", "2.0.0")
        let quiet = await fixture.waitForEnd("hello", at: try fixture.push("v2").hex)
        #expect(quiet?["state"] as? String == "SUCCESS")

        // Loaded: v3 with 200 followers from the current end of the log and a webhook flood.
        let start = (await CrashPointEndToEndTests.allEvents(fixture)).last?["sequence"] as? Int ?? 0
        let folder = fixture.root.appendingPathComponent("followers")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let curls = try (0..<Self.followers).map { index in
            try BackgroundProcess(executable: "/usr/bin/curl", arguments: [
                "-sN", "--max-time", "120", "-o", folder.appendingPathComponent("\(index).sse").path,
                "http://127.0.0.1:\(fixture.apiPort)/api/v1/events/stream?after=\(start)",
            ], logPath: folder.appendingPathComponent("\(index).log").path)
        }
        defer { curls.forEach { $0.stop(grace: .milliseconds(100)) } }
        #expect(await fixture.eventually(30) { Self.opened(folder) == Self.followers }, "\(Self.opened(folder)) streams opened")
        let body = #"{"repository": "apps", "ref": "refs/heads/main"}"#
        let script = fixture.root.appendingPathComponent("flood.lua")
        try """
            wrk.method = "POST"
            wrk.body = '\(body)'
            wrk.headers["Content-Type"] = "application/json"
            wrk.headers["X-Capstan-Signature"] = "sha256=\(try WebhookEndToEndTests.sign(body, Self.secret))"
            """.write(to: script, atomically: true, encoding: .utf8)
        let flood = try BackgroundProcess(executable: "/usr/bin/wrk", arguments: [
            "-t1", "-c8", "-d10s", "-s", script.path, "http://127.0.0.1:\(fixture.apiPort)/webhooks/generic",
        ], logPath: fixture.root.appendingPathComponent("wrk.log").path)
        defer { flood.stop() }
        try fixture.setVersion("hello", "3.0.0")
        let loaded = await fixture.waitForEnd("hello", at: try fixture.push("v3").hex)
        #expect(loaded?["state"] as? String == "SUCCESS", "\(fixture.serverLog.suffix(3000))")
        #expect(await fixture.eventually(20) { !flood.isRunning })
        let wrk = flood.log()
        #expect(wrk.contains("Requests/sec") && !wrk.contains("Non-2xx"), "every delivery accepted: \(wrk)")

        // Every follower: every event after its cursor, in order, none twice.
        let expected = (await CrashPointEndToEndTests.allEvents(fixture)).compactMap { $0["sequence"] as? Int }.filter { $0 > start }
        #expect(expected.count > 20)
        #expect(await fixture.eventually(30) { Self.lastIDs(folder).allSatisfy { $0 >= expected.last ?? 0 } })
        var wrong = 0
        for index in 0..<Self.followers {
            let ids = Self.ids(folder.appendingPathComponent("\(index).sse"))
            if Array(ids.prefix(expected.count)) != expected { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) of \(Self.followers) followers missed, repeated or reordered an event")

        // The timed stage (WAIT 4s) takes as long under load, within 10%.
        let quietWait = Self.took(quiet, stage: 2), loadedWait = Self.took(loaded, stage: 2)
        #expect(quietWait > 3.9 && abs(loadedWait - quietWait) <= quietWait * 0.1, "WAIT took \(quietWait) s, then \(loadedWait) s")
        let rss = Self.serverRSSMegabytes(fixture)
        #expect(rss > 0 && rss < 300, "the server's resident memory under load: \(rss) MB")
        let rate = wrk.split(separator: "\n").first { $0.contains("Requests/sec") }?.split(separator: " ").last ?? "?"
        print("load: \(rate) webhooks/s, \(Self.followers) followers, WAIT \(quietWait) s → \(loadedWait) s, whole rollout \(Self.took(quiet)) s → \(Self.took(loaded)) s, server RSS \(rss) MB")
    }

    /// Streams that have said hello (the `: events after N` comment).
    static func opened(_ folder: URL) -> Int {
        (0..<followers).count { index in
            (try? String(contentsOf: folder.appendingPathComponent("\(index).sse"), encoding: .utf8))?.contains(": events after") == true
        }
    }

    static func ids(_ file: URL) -> [Int] {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { $0.hasPrefix("id: ") ? Int($0.dropFirst(4)) : nil }
    }

    static func lastIDs(_ folder: URL) -> [Int] {
        (0..<followers).map { ids(folder.appendingPathComponent("\($0).sse")).last ?? 0 }
    }

    /// Seconds from start to end of stage `stage`, or of the whole deployment when nil.
    static func took(_ deployment: [String: Any]?, stage: Int? = nil) -> Double {
        let record = stage.map { ((deployment?["stages"] as? [[String: Any]])?[$0]) ?? [:] } ?? deployment ?? [:]
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let from = (record["startedAt"] as? String ?? record["createdAt"] as? String).flatMap(formatter.date(from:))
        let to = (record["finishedAt"] as? String ?? record["updatedAt"] as? String).flatMap(formatter.date(from:))
        guard let from, let to else { return -1 }
        return to.timeIntervalSince(from)
    }

    static func serverRSSMegabytes(_ fixture: ServeFixture) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for pid in entries.compactMap(Int32.init) where SecretSweepEndToEndTests.isServer(pid) {
            let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline"))) ?? Data()
            guard String(decoding: command, as: UTF8.self).contains(fixture.root.path) else { continue }
            let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return (Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0) / 1024
        }
        return -1
    }
}
