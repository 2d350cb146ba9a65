import CapstanCore
import CapstanEngine
import Foundation
import Testing

/// The bodies receivers get (json and slack) and the request a delivery is sent as (headers, signature).
@Suite struct NotificationPayloadTests {
    static let at = Date(timeIntervalSince1970: 1_750_000_000.25)
    static let deployment = Deployment(
        id: DeploymentID(rawValue: "d-0a1b2c"), app: "checkout", commit: CommitID(String(repeating: "1f", count: 20))!,
        previousCommit: nil, trigger: .commit, strategy: .pipeline, state: .running, createdAt: at)
    static let stageEvent = Event(sequence: 42, NewEvent(
        kind: .stageStateChanged, at: at, app: "checkout", deployment: deployment.id, stageIndex: 2,
        message: "stage 2 ANALYSIS FAILURE: 5xx <rate> & more", data: ["stage": "ANALYSIS", "from": "RUNNING", "to": "FAILURE"]))
    static let subject = NotificationSubject(
        event: stageEvent, deployment: deployment,
        stage: StageRecord(deployment: deployment.id, index: 2, kind: .analysis, state: .failure, reason: "score 40"))

    static func object(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func theJSONPayload() throws {
        let body = NotificationPayload.body(Self.subject, format: .json, notification: "ops", deliveryId: "ops-42",
                                            linkBase: "https://capstan.example.com")
        let text = String(decoding: body, as: UTF8.self)
        #expect(text.hasPrefix(#"{"deliveryId":"ops-42","deployment":{"app":"checkout","commit":"1f1f"#), "sorted keys: \(text)")
        #expect(text.contains(#""link":"https://capstan.example.com/api/v1/deployments/d-0a1b2c""#), "slashes unescaped")
        let json = try Self.object(body)
        #expect(json["notification"] as? String == "ops")
        let event = try #require(json["event"] as? [String: Any])
        #expect(event["sequence"] as? Int == 42 && event["stage"] as? Int == 2)
        #expect(event["kind"] as? String == "stage.state_changed" && event["at"] as? String == "2025-06-15T15:06:40.250000Z")
        #expect(event["data"] as? [String: String] == ["stage": "ANALYSIS", "from": "RUNNING", "to": "FAILURE"])
        let deployment = try #require(json["deployment"] as? [String: Any])
        #expect(deployment["id"] as? String == "d-0a1b2c" && deployment["state"] as? String == "RUNNING")
        #expect(deployment["previousCommit"] is NSNull && deployment["reason"] is NSNull, "absent is null, not missing")
        let stage = try #require(json["stage"] as? [String: Any])
        #expect(stage["kind"] as? String == "ANALYSIS" && stage["state"] as? String == "FAILURE")
        #expect(text.contains(#""sequence":42,"#), "integers stay integers: \(text)")
    }

    @Test func anEventOfNoDeployment() throws {
        let polled = Event(sequence: 3, NewEvent(kind: .repositoryError, at: Self.at, message: "fetch failed"))
        let json = try Self.object(NotificationPayload.body(NotificationSubject(event: polled), format: .json,
                                                            notification: "ops", deliveryId: "ops-3", linkBase: "http://h"))
        #expect(json["deployment"] is NSNull && json["stage"] is NSNull && json["link"] is NSNull)
        let event = try #require(json["event"] as? [String: Any])
        #expect(event["app"] is NSNull && event["deployment"] is NSNull && event["stage"] is NSNull)
        let status = Event(sequence: 4, NewEvent(kind: .appStatusChanged, at: Self.at, app: "checkout", message: "synced"))
        let appJSON = try Self.object(NotificationPayload.body(NotificationSubject(event: status), format: .json,
                                                               notification: "ops", deliveryId: "ops-4", linkBase: "http://h"))
        #expect(appJSON["link"] as? String == "http://h/api/v1/apps/checkout")
    }

    @Test func theSlackPayload() throws {
        let body = NotificationPayload.body(Self.subject, format: .slack, notification: "chat", deliveryId: "chat-42",
                                            linkBase: "https://capstan.example.com")
        let json = try Self.object(body)
        #expect(Set(json.keys) == ["text", "blocks"])
        #expect(json["text"] as? String == "[checkout] stage 2 ANALYSIS FAILURE: 5xx <rate> & more")
        let blocks = try #require(json["blocks"] as? [[String: Any]])
        #expect(blocks.map { $0["type"] as? String } == ["section", "context"])
        let section = try #require(blocks[0]["text"] as? [String: String])
        #expect(section["type"] == "mrkdwn")
        #expect(section["text"] == """
            *App:* checkout
            *Deployment:* `d-0a1b2c` at `1f1f1f1`
            *Stage:* 2 ANALYSIS
            *Result:* FAILURE
            stage 2 ANALYSIS FAILURE: 5xx &lt;rate&gt; &amp; more
            """)
        let elements = try #require(blocks[1]["elements"] as? [[String: String]])
        #expect(elements == [["type": "mrkdwn",
                              "text": "<https://capstan.example.com/api/v1/deployments/d-0a1b2c|Open in Capstan> · stage.state_changed · #42"]])
    }

    @Test func theSlackResultOfAnAnalysisAndOfAnEventWithoutOne() throws {
        let result = Event(sequence: 5, NewEvent(kind: .analysisResult, at: Self.at, app: "checkout", deployment: Self.deployment.id,
                                                 stageIndex: 2, message: "analysis FAIL", data: ["result": "FAIL"]))
        let created = Event(sequence: 6, NewEvent(kind: .deploymentCreated, at: Self.at, app: "checkout",
                                                  deployment: Self.deployment.id, message: "created"))
        for (event, expected) in [(result, "*Result:* FAIL"), (created, "*Result:* deployment.created")] {
            let json = try Self.object(NotificationPayload.body(NotificationSubject(event: event), format: .slack,
                                                                notification: "chat", deliveryId: "x", linkBase: "http://h"))
            let section = (json["blocks"] as? [[String: Any]])?.first?["text"] as? [String: String]
            #expect(section?["text"]?.contains(expected) == true, "\(section ?? [:])")
        }
    }

    @Test func theRequestCarriesTheDeliveryTheEventAndTheSignature() throws {
        let config = NotificationConfig(name: "ops", url: "https://hooks.example.com/x?team=ops", secret: .inline("key"))
        let target = try NotificationTarget(config, secret: "key", defaultLink: "http://127.0.0.1:8080")
        let body = Data("The quick brown fox jumps over the lazy dog".utf8)
        let delivery = NotificationDelivery(notification: "ops", sequence: 9, kind: .deploymentStateChanged, body: body,
                                            nextAttemptAt: Self.at, createdAt: Self.at)
        let request = target.request(for: delivery)
        #expect(request.url.absoluteString == "https://hooks.example.com/x?team=ops" && request.body == body)
        #expect(request.headers == [
            "Content-Type": "application/json", "User-Agent": "Capstan-Notifier", "X-Capstan-Delivery": "ops-9",
            "X-Capstan-Event": "deployment.state_changed",
            // HMAC-SHA256("key", body): the well-known test vector.
            "X-Capstan-Signature": "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
        ])
        let unsigned = try NotificationTarget(NotificationConfig(name: "ops", url: "http://r"), secret: nil, defaultLink: "http://h")
        #expect(unsigned.request(for: delivery).headers["X-Capstan-Signature"] == nil)
        let secretive = try NotificationTarget(NotificationConfig(name: "s", url: "http://r", secret: .inline("sekrit-value")),
                                               secret: "sekrit-value", defaultLink: "http://h")
        for text in ["\(secretive)", String(reflecting: secretive)] {
            #expect(!text.contains("sekrit"), "\(text)")
        }
    }
}
