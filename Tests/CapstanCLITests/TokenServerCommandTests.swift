import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanServer
import CapstanTesting
import Foundation
import Testing

/// The server commands with tokens, against a real server on loopback whose tokens `capstan token create`
/// made: `app sync`, `deployment approve|skip-stage|rollback` and reads, `--token` sent as a bearer token
/// and never printed.
@Suite struct TokenServerCommandTests {
    let folder: URL
    var file: String { folder.appendingPathComponent("tokens.jsonl").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-token-server-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Creates a token with the CLI and returns it.
    func create(_ name: String, _ role: String) async throws -> String {
        let result = try await capstan(["token", "create", "--name", name, "--role", role, "--tokens-file", file])
        #expect(result.status == 0, "\(result.err)")
        return String(result.out.dropLast())
    }

    func auth(anonymousRead: Bool = true) -> AuthConfiguration {
        AuthConfiguration(tokensFile: file, anonymousRead: anonymousRead)
    }

    @Test func appSyncPrintsTheDeploymentAndHowToFollowIt() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let token = try await create("ci", "deployer")
        let sync = FixedSync()
        try await ServerFixture.withServer(syncCommands: sync, auth: auth()) { server in
            let result = try await capstan(["app", "sync", "checkout", "--commit", "4f2a9c1", "--server", server, "--token", token])
            #expect(result.status == 0, "\(result.err)")
            #expect(result.out == """
                d-0003 (checkout) is PENDING: deploying eeeeeee
                Follow it with: capstan deployment logs d-0003 --follow

                """)
            let head = try await capstan(["app", "sync", "checkout", "--server", server, "--token", token, "--output", "json"])
            #expect(try APIJSON.decoder().decode(DeploymentView.self, from: Data(head.out.utf8)).id.rawValue == "d-0003")
        }
        #expect(await sync.calls == ["checkout@4f2a9c1 by ci", "checkout@head by ci"])
    }

    static let refusals: [(arguments: [String], token: String?, err: String)] = [
        (["app", "sync", "checkout"], nil, "capstan app sync: sync needs a token with the deployer role: send Authorization: "
            + "Bearer <token> (with the CLI: --token or CAPSTAN_TOKEN)\n"),
        (["app", "sync", "checkout"], "viewer", "capstan app sync: token vera (viewer) may not sync: that needs the deployer "
            + "role, or admin\n"),
        (["deployment", "approve", "d-0002"], "deployer", "capstan deployment approve: token dan (deployer) may not approve: "
            + "that needs the approver role, or admin\n"),
        (["deployment", "skip-stage", "d-0002"], "approver", "capstan deployment skip-stage: token april (approver) may not "
            + "skip-stage: that needs the deployer role, or admin\n"),
        (["app", "sync", "nope"], "deployer", "capstan app sync: no application nope\n"),
        (["apps"], "garbage", "capstan apps: the token is not valid: unknown or revoked\n"),
    ]

    @Test(arguments: refusals)
    func aRefusalPrintsTheServersMessageNeverTheTokenAndExits1(_ refusal: (arguments: [String], token: String?, err: String))
        async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let tokens = ["viewer": try await create("vera", "viewer"), "deployer": try await create("dan", "deployer"),
                      "approver": try await create("april", "approver"), "garbage": "capstan_garbage"]
        let store = try await ServerFixture.store()
        try await ServerFixture.withServer(store: store, commands: MachineCommands(store: store), syncCommands: FixedSync(),
                                           auth: auth()) { server in
            let token = refusal.token.map { tokens[$0]! }
            let result = try await capstan(refusal.arguments + ["--server", server] + (token.map { ["--token", $0] } ?? []))
            #expect(result.status == 1)
            #expect(result.out == "")
            #expect(result.err == refusal.err)
            if let token { #expect(!result.err.contains(token)) }
        }
    }

    @Test func approveAndSkipStageWithTheirRoles() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let approver = try await create("april", "approver"), deployer = try await create("dan", "deployer")
        let store = try await ServerFixture.store()
        let commands = MachineCommands(store: store)
        try await ServerFixture.withServer(store: store, commands: commands, auth: auth()) { server in
            let approve = try await capstan(["deployment", "approve", "d-0002", "--server", server, "--token", approver])
            #expect(approve.status == 0, "\(approve.err)")
            #expect(approve.out == """
                d-0002 (checkout): approval recorded; its WAIT_APPROVAL stage goes on once it has the approvals it asks for
                Follow it with: capstan deployment logs d-0002 --follow

                """)
            // The fixture's next stage is its ROLLBACK, which is skipped in turn: the deployment ends SUCCESS.
            let skip = try await capstan(["deployment", "skip-stage", "d-0002", "--server", server, "--token", deployer])
            #expect(skip.status == 0, "\(skip.err)")
            #expect(skip.out == """
                d-0002 (checkout) is SUCCESS: the stage that was running is skipped; the next one starts
                Follow it with: capstan deployment logs d-0002 --follow

                """)
        }
        #expect(await commands.actors == ["april", "dan"])
        #expect(try await store.stages(of: ServerFixture.running).map(\.state)[1] == .skipped)
    }

    @Test func readsSendTheTokenWhenTheServerWantsOne() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let viewer = try await create("vera", "viewer")
        try await ServerFixture.withServer(auth: auth(anonymousRead: false)) { server in
            let refused = try await capstan(["apps", "--server", server])
            #expect(refused.status == 1 && refused.err.hasPrefix("capstan apps: reads on this server need a token"))
            let apps = try await capstan(["apps", "--server", server, "--token", viewer])
            #expect(apps.status == 0 && apps.out.hasPrefix("NAME"))
            let revoked = try await capstan(["token", "revoke", "vera", "--tokens-file", file])
            #expect(revoked.status == 0)
            let after = try await capstan(["apps", "--server", server, "--token", viewer])
            #expect(after.status == 1 && after.err == "capstan apps: the token is not valid: unknown or revoked\n")
        }
    }

    @Test func theTokenComesFromTheOptionElseTheEnvironment() throws {
        let parse = { (arguments: [String]) throws -> ServerOptions in
            try #require(Capstan.parseAsRoot(["apps"] + arguments) as? Capstan.Apps).options
        }
        #expect(try parse(["--token", "capstan_a"]).bearerToken(environment: ["CAPSTAN_TOKEN": "capstan_b"]) == "capstan_a")
        #expect(try parse([]).bearerToken(environment: ["CAPSTAN_TOKEN": "capstan_b"]) == "capstan_b")
        #expect(try parse([]).bearerToken(environment: ["CAPSTAN_TOKEN": ""]) == nil)
        #expect(try parse([]).bearerToken(environment: [:]) == nil)
    }

    @Test func theHelpNeverShowsAToken() throws {
        let help = Capstan.helpMessage(for: Capstan.AppCommand.Sync.self)
        #expect(help.contains("--token <token>") && help.contains("CAPSTAN_TOKEN"))
    }
}

/// A ``SyncCommands`` that answers every sync of checkout with d-0003, PENDING at eeeeeee; any other app is 404.
actor FixedSync: SyncCommands {
    private(set) var calls: [String] = []

    func sync(app: String, commit: String?, by actor: String) async throws -> Deployment {
        calls.append("\(app)@\(commit ?? "head") by \(actor)")
        guard app == "checkout" else { throw StoreError.notFound("no application \(app)") }
        return Deployment(id: DeploymentID(rawValue: "d-0003"), app: app, commit: ServerFixture.commit("e"),
                          previousCommit: ServerFixture.commit("a"), trigger: .manual, strategy: .pipeline, state: .pending,
                          createdAt: ServerFixture.t0.addingTimeInterval(90))
    }

    func refresh(repositories: [String]) async {}
}
