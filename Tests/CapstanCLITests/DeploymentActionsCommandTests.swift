import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Testing

/// `capstan deployment rollback` and `capstan deployment cancel [--no-rollback]` against a real server on
/// loopback, whose commands go through the deployment state machine into the store.
@Suite struct DeploymentActionsCommandTests {
    @Test func rollbackSaysWhereTrafficGoesAndTheStoreHasIt() async throws {
        let store = try await ServerFixture.store()
        let commands = MachineCommands(store: store)
        try await ServerFixture.withServer(store: store, commands: commands) { server in
            let result = try await capstan(["deployment", "rollback", "d-0002", "--server", server])
            #expect(result.status == 0)
            #expect(result.err == "")
            #expect(result.out == """
                d-0002 (checkout) is ROLLING_BACK: rolled back by api@127.0.0.1
                Its ROLLBACK stage now returns all traffic to the previous version (aaaaaaa); then it ends FAILURE.
                Follow it with: capstan deployment logs d-0002 --follow

                """)
        }
        #expect(try await store.deployment(ServerFixture.running)?.state == .rollingBack)
        #expect(try await store.stages(of: ServerFixture.running).map(\.state) == [.success, .cancelled, .running])
    }

    @Test func cancelRollsBackByDefault() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store, commands: MachineCommands(store: store)) { server in
            let result = try await capstan(["deployment", "cancel", "d-0002", "--server", server])
            #expect(result.status == 0)
            #expect(result.out == """
                d-0002 (checkout) is ROLLING_BACK: cancelled by api@127.0.0.1
                Its ROLLBACK stage now returns all traffic to the previous version (aaaaaaa); then it ends CANCELLED.
                Follow it with: capstan deployment logs d-0002 --follow

                """)
        }
    }

    @Test func cancelWithoutRollbackSaysTheVariantsAreLeftAsTheyAre() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store, commands: MachineCommands(store: store)) { server in
            let result = try await capstan(["deployment", "cancel", "d-0002", "--no-rollback", "--server", server])
            #expect(result.status == 0)
            #expect(result.out == """
                d-0002 (checkout) is CANCELLED: cancelled by api@127.0.0.1 (no rollback: variants left as they are)
                No rollback ran: its variants and traffic weights are left exactly as they are.

                """)
        }
        #expect(try await store.stages(of: ServerFixture.running).map(\.state) == [.success, .cancelled, .skipped])
    }

    @Test func printsTheDeploymentAsJSONWhenAsked() async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store, commands: MachineCommands(store: store)) { server in
            let result = try await capstan(["deployment", "rollback", "d-0002", "--server", server, "--output", "json"])
            #expect(result.status == 0)
            let deployment = try APIJSON.decoder().decode(DeploymentView.self, from: Data(result.out.utf8))
            #expect(deployment.state == .rollingBack && deployment.reason == "rolled back by api@127.0.0.1")
        }
    }

    static let refusals: [(arguments: [String], status: Int32, err: String)] = [
        (["deployment", "rollback", "d-nope"], 1, "capstan deployment rollback: no deployment d-nope\n"),
        (["deployment", "rollback", "d-0001"], 1,
         "capstan deployment rollback: d-0001: only a RUNNING deployment can be rolled back (it is SUCCESS)\n"),
        (["deployment", "cancel", "d-0001", "--no-rollback"], 1,
         "capstan deployment cancel: d-0001: deployment is already SUCCESS\n"),
    ]

    @Test(arguments: refusals)
    func aRefusalPrintsTheServersMessageAndExits1(_ refusal: (arguments: [String], status: Int32, err: String)) async throws {
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store, commands: MachineCommands(store: store)) { server in
            let result = try await capstan(refusal.arguments + ["--server", server])
            #expect(result.status == refusal.status)
            #expect(result.out == "")
            #expect(result.err == refusal.err)
        }
    }

    @Test(arguments: [["deployment", "rollback", "d-0002"], ["deployment", "cancel", "d-0002"]])
    func aServerWithoutCommandsExits2(_ arguments: [String]) async throws {
        try await ServerFixture.withServer { server in
            let result = try await capstan(arguments + ["--server", server])
            #expect(result.status == 2)
            #expect(result.err.hasSuffix(": this server does not accept commands\n"), "\(result.err)")
        }
    }

    @Test func anUnreachableServerExits2() async throws {
        let result = try await capstan(["deployment", "cancel", "d-0002", "--server", "http://127.0.0.1:1"])
        #expect(result.status == 2)
        #expect(result.err.hasPrefix("capstan deployment cancel: cannot reach the Capstan server"))
    }

    @Test func theRollbackFlagHasAnInverse() throws {
        #expect(try #require(Capstan.parseAsRoot(["deployment", "cancel", "d-1"]) as? Capstan.DeploymentCommand.Cancel).rollback)
        #expect(try #require(Capstan.parseAsRoot(["deployment", "cancel", "d-1", "--no-rollback"])
            as? Capstan.DeploymentCommand.Cancel).rollback == false)
    }
}
