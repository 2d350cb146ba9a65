@testable import CapstanServer
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// A burst of deliveries makes few refresh calls, and none of what it asked for is dropped.
@Suite struct WebhookBurstTests {
    /// While one refresh is under way, later deliveries wait and share one call made when it returns.
    @Test func deliveriesDuringARefreshShareTheNextCall() async throws {
        let sync = RefreshRecorder(holdFirst: true)
        let batcher = RefreshBatcher(sync)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await batcher.refresh(["apps"]) }
            try await Self.until { await sync.refreshes.count == 1 }
            for index in 0..<10 {
                group.addTask { await batcher.refresh(index == 3 ? ["infra", "apps"] : ["apps"]) }
            }
            try await Self.until { batcher.waitingCount == 10 }
            #expect(await sync.refreshes == [["apps"]])
            await sync.release()
            try await group.waitForAll()
        }
        #expect(await sync.refreshes == [["apps"], ["apps", "infra"]])
        #expect(batcher.waitingCount == 0)
        // Idle again: the next delivery calls at once.
        await batcher.refresh(["web"])
        #expect(await sync.refreshes.last == ["web"])
    }

    /// 50 signed pushes at once through the route, against a refresh that takes a while: every one is
    /// answered 202 naming its repository, in a handful of calls (each refresh takes 100 ms, as a fetch might).
    @Test func aBurstThroughTheRoute() async throws {
        let sync = RefreshRecorder(delay: .milliseconds(100))
        let push = try Hook.payload("github-push.json")
        let statuses = try await Hook.withRoutes(sync: sync) { client in
            try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<50 {
                    group.addTask {
                        let response = try await Hook.post(client, "github", push, secret: Hook.githubSecret,
                                                           headers: [.githubEvent: "push"])
                        #expect(try response.decoded(Hook.Answer.self).refreshed == ["hello"])
                        return response.status
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        #expect(statuses == Array(repeating: .accepted, count: 50))
        let calls = await sync.refreshes
        #expect(!calls.isEmpty && calls.count < 10, "\(calls.count) refresh calls for 50 deliveries")
        #expect(calls.allSatisfy { $0 == ["hello"] })
    }

    static func until(_ condition: @Sendable () async -> Bool) async throws {
        for _ in 0..<500 {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("condition not met within 5 s")
    }
}
