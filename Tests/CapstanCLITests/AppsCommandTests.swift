import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanServer
import Foundation
import Testing

/// `capstan apps`, `capstan app get` and `capstan app diff` against a real server on loopback.
@Suite struct AppsCommandTests {
    @Test func listsAppsAsATable() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["apps", "--server", server])
            #expect(result.status == 0)
            #expect(result.err == "")
            #expect(result.out == """
                NAME      STATUS       LIVE     UPDATED                      SUMMARY
                billing   UNKNOWN      -        2025-03-01T12:00:00.250000Z
                checkout  OUT_OF_SYNC  aaaaaaa  2025-03-01T12:01:00.250000Z  1 of 2 replicas at aaaaaaa

                """)
        }
    }

    @Test func listsAppsAsJSONWithTheAPIFields() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["apps", "--server", server, "--output", "json"])
            #expect(result.status == 0)
            let apps = try JSONDecoder().decode([[String: JSONValue]].self, from: Data(result.out.utf8))
            #expect(apps.map { $0["name"] } == [.string("billing"), .string("checkout")])
            #expect(apps.map { $0["status"] } == [.string("UNKNOWN"), .string("OUT_OF_SYNC")])
            #expect(apps.map { $0["liveCommit"] } == [.null, .string(ServerFixture.commit("a").hex)])
            #expect(apps[1]["updatedAt"] == .string("2025-03-01T12:01:00.250000Z"))
        }
    }

    @Test func listsAppsAsYAML() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["apps", "--server", server, "--output", "yaml"])
            #expect(result.status == 0)
            #expect(result.out.hasPrefix("- configPath: apps/billing/capstan.yaml\n  liveCommit: null\n  name: billing\n"))
            #expect(result.out.contains("  updatedAt: '2025-03-01T12:01:00.250000Z'\n"))
        }
    }

    @Test func showsOneApp() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["app", "get", "checkout", "--server", server])
            #expect(result.status == 0)
            #expect(result.out == """
                Name:            checkout
                Status:          OUT_OF_SYNC
                Live commit:     aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
                Repository:      platform
                Config:          apps/checkout/capstan.yaml
                Summary:         1 of 2 replicas at aaaaaaa
                Updated:         2025-03-01T12:01:00.250000Z
                Last deployment: d-0002 RUNNING ccccccc (manual, 2025-03-01T12:00:30.250000Z)
                Diff:
                  -replicas: 2
                  +replicas: 1

                """)
        }
    }

    @Test func showsOneAppAsJSON() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["app", "get", "billing", "--server", server, "--output", "json"])
            #expect(result.status == 0)
            let app = try APIJSON.decoder().decode(AppDetailView.self, from: Data(result.out.utf8))
            #expect(app.name == "billing" && app.lastDeployment == nil && app.status == .unknown)
        }
    }

    @Test func printsTheDiff() async throws {
        try await ServerFixture.withServer { server in
            let diff = try await capstan(["app", "diff", "checkout", "--server", server])
            #expect(diff.status == 0)
            #expect(diff.out == "-replicas: 2\n+replicas: 1\n")
            let none = try await capstan(["app", "diff", "billing", "--server", server])
            #expect(none.out == "billing: no difference known (UNKNOWN)\n")
            let yaml = try await capstan(["app", "diff", "checkout", "--server", server, "--output", "yaml"])
            #expect(yaml.out == """
                app: checkout
                diff: |-
                  -replicas: 2
                  +replicas: 1
                liveCommit: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
                status: OUT_OF_SYNC
                summary: 1 of 2 replicas at aaaaaaa

                """)
        }
    }

    @Test(arguments: [["app", "get", "nope"], ["app", "diff", "nope"]])
    func anUnknownAppExits1(_ arguments: [String]) async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(arguments + ["--server", server])
            #expect(result.status == 1)
            #expect(result.out == "")
            #expect(result.err == "capstan \(arguments[0]) \(arguments[1]): no application nope\n")
        }
    }

    @Test func namesAreSentPercentEncoded() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["app", "get", "a/b?c", "--server", server])
            #expect(result.status == 1)
            #expect(result.err == "capstan app get: no application a/b?c\n")
        }
    }
}
