import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import Foundation
import Testing

/// `capstan deployments` and `capstan deployment get` against a real server on loopback.
@Suite struct DeploymentsCommandTests {
    @Test func listsDeploymentsNewestFirst() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["deployments", "--server", server])
            #expect(result.status == 0)
            #expect(result.out == """
                ID      APP       STATE    COMMIT   TRIGGER  STRATEGY  CREATED                      REASON
                d-0002  checkout  RUNNING  ccccccc  manual   pipeline  2025-03-01T12:00:30.250000Z
                d-0001  checkout  SUCCESS  aaaaaaa  commit   quick     2025-03-01T12:00:00.250000Z

                """)
        }
    }

    @Test(arguments: [
        (["--state", "success"], ["d-0001"]), (["--app", "checkout", "--state", "RUNNING"], ["d-0002"]),
        (["--app", "billing"], []), (["--limit", "1"], ["d-0002"]),
    ])
    func filtersAsJSON(_ filter: [String], ids: [String]) async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["deployments", "--server", server, "--output", "json"] + filter)
            #expect(result.status == 0)
            let list = try JSONDecoder().decode([[String: JSONValue]].self, from: Data(result.out.utf8))
            #expect(list.map { $0["id"] } == ids.map { .string($0) })
            for item in list {
                for key in ["id", "app", "commit", "state", "createdAt", "updatedAt", "previousCommit", "trigger", "strategy",
                            "reason"] {
                    #expect(item[key] != nil, "missing \(key)")
                }
            }
        }
    }

    @Test(arguments: [["deployments", "--state", "BOGUS"], ["deployments", "--limit", "0"], ["events", "--after", "-1"],
                      ["apps", "--server", "ftp://example.com"], ["apps", "--output", "xml"]])
    func badFlagsAreRefusedBeforeAnyRequest(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try Capstan.parseAsRoot(arguments) }
    }

    @Test func showsADeploymentWithItsStagesAndEvents() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["deployment", "get", "d-0002", "--server", server])
            #expect(result.status == 0)
            #expect(result.out == """
                ID:       d-0002
                App:      checkout
                State:    RUNNING
                Commit:   cccccccccccccccccccccccccccccccccccccccc
                Previous: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
                Trigger:  manual
                Strategy: pipeline
                Reason:   -
                Created:  2025-03-01T12:00:30.250000Z
                Updated:  2025-03-01T12:00:40.250000Z

                #  STAGE           STATE        STARTED   TOOK               DETAILS
                0  CANARY_ROLLOUT  SUCCESS      12:00:31  4.0s               replicas 1
                1  WAIT_APPROVAL   RUNNING      12:00:36  running for 1m04s
                2  ROLLBACK        NOT_STARTED  -         -

                     3  2025-03-01T12:00:30.250000Z  deployment.created        checkout  d-0002  d-0002 created for ccccccc
                     4  2025-03-01T12:00:35.250000Z  stage.state_changed       checkout  d-0002/0  CANARY_ROLLOUT succeeded
                     5  2025-03-01T12:00:36.250000Z  stage.state_changed       checkout  d-0002/1  WAIT_APPROVAL is waiting

                """)
        }
    }

    @Test func showsADeploymentAsYAML() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["deployment", "get", "d-0001", "--server", server, "--output", "yaml"])
            #expect(result.status == 0)
            #expect(result.out.contains("id: d-0001\n"))
            #expect(result.out.contains("previousCommit: null\n"))
            #expect(result.out.contains("stages: []\n"))
        }
    }

    @Test func anUnknownDeploymentExits1() async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(["deployment", "get", "d-nope", "--server", server])
            #expect(result.status == 1)
            #expect(result.err == "capstan deployment get: no deployment d-nope\n")
        }
    }
}
