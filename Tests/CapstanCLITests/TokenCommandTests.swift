import ArgumentParser
@testable import CapstanCLI
import CapstanServer
import Foundation
import Testing

/// `capstan token create|list|revoke`: the token is printed once and only its hash is kept, in a 0600 file.
@Suite struct TokenCommandTests {
    let folder: URL
    var file: String { folder.appendingPathComponent("tokens.jsonl").path }

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-token-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    @Test func createPrintsTheTokenOnceAndKeepsOnlyItsHash() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try await capstan(["token", "create", "--name", "alice", "--role", "deployer", "--tokens-file", file])
        #expect(result.status == 0)
        let token = String(result.out.dropLast())
        #expect(result.out == token + "\n")
        #expect(token.hasPrefix("capstan_") && token.count == 51)
        #expect(result.err == "created token alice (deployer) in \(file); it is shown only now: the file keeps only its SHA-256\n")

        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains(token) && !text.contains(String(token.dropFirst("capstan_".count))))
        #expect(text.contains(BearerToken.sha256Hex(token)))
        let mode = try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let records = try TokenFile.read(file)
        #expect(records.map(\.name) == ["alice"] && records[0].roles == [.deployer])
        #expect(records[0].created.description == "2025-03-01T12:01:40.250000Z")  // the console's clock
    }

    @Test func severalRolesAndSeveralTokens() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, roles) in [("ci", ["deployer"]), ("rm", ["approver", "deployer"]), ("ops", ["admin"])] {
            let result = try await capstan(["token", "create", "--name", name] + roles.flatMap { ["--role", $0] }
                + ["--tokens-file", file])
            #expect(result.status == 0, "\(result.err)")
        }
        let list = try await capstan(["token", "list", "--tokens-file", file])
        #expect(list.status == 0)
        #expect(list.out == """
            NAME  ROLES              CREATED
            ci    deployer           2025-03-01T12:01:40.250000Z
            rm    deployer,approver  2025-03-01T12:01:40.250000Z
            ops   admin              2025-03-01T12:01:40.250000Z

            """)
        let json = try await capstan(["token", "list", "--tokens-file", file, "--output", "json"])
        #expect(!json.out.contains("sha256") && json.out.contains(#""name" : "rm""#))
    }

    @Test func aNameThatIsTakenIsRefusedAndTheFileIsUnchanged() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await capstan(["token", "create", "--name", "alice", "--role", "viewer", "--tokens-file", file])
        let before = try Data(contentsOf: URL(fileURLWithPath: file))
        let result = try await capstan(["token", "create", "--name", "alice", "--role", "admin", "--tokens-file", file])
        #expect(result.status == 1 && result.out == "")
        #expect(result.err == "capstan token create: a token named alice exists already in \(file); revoke it first, "
            + "or choose another name\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == before)
    }

    @Test func revokeRemovesTheTokenAndAnUnknownNameExits1() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try await capstan(["token", "create", "--name", "alice", "--role", "viewer", "--tokens-file", file])
        _ = try await capstan(["token", "create", "--name", "bob", "--role", "viewer", "--tokens-file", file])
        let result = try await capstan(["token", "revoke", "alice", "--tokens-file", file])
        #expect(result.status == 0)
        #expect(result.out == "revoked token alice; a running server refuses it from its next request\n")
        #expect(try TokenFile.read(file).map(\.name) == ["bob"])
        let again = try await capstan(["token", "revoke", "alice", "--tokens-file", file])
        #expect(again.status == 1 && again.err == "capstan token revoke: no token named alice in \(file)\n")
        let empty = try await capstan(["token", "list", "--tokens-file", folder.appendingPathComponent("none.jsonl").path])
        #expect(empty.status == 0 && empty.out.hasPrefix("no tokens in "))
    }

    /// `--config` finds the file through `auth.tokensFile`, relative to the config's folder wherever the
    /// command runs, so `capstan serve` and `capstan token` agree.
    @Test func theConfigNamesTheFileRelativeToItself() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("server.yaml")
        try Data("auth: {tokensFile: secrets/tokens.jsonl, anonymousRead: false}\n".utf8).write(to: config)
        let result = try await capstan(["token", "create", "--name", "ci", "--role", "deployer", "--config", config.path])
        #expect(result.status == 0, "\(result.err)")
        let expected = folder.appendingPathComponent("secrets/tokens.jsonl").standardizedFileURL.path
        #expect(try TokenFile.read(expected).map(\.name) == ["ci"])
        let list = try await capstan(["token", "list", "--config", config.path])
        #expect(list.out.contains("ci    deployer"))
    }

    @Test func aConfigWithoutAuthOrUnreadableExits2() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = folder.appendingPathComponent("server.yaml")
        try Data("listen: 127.0.0.1:8080\n".utf8).write(to: config)
        let result = try await capstan(["token", "list", "--config", config.path])
        #expect(result.status == 2)
        #expect(result.err == "capstan token list: \(config.path) has no auth section; add `auth: {tokensFile: tokens.jsonl}` "
            + "to it (the path is relative to the config), or give --tokens-file\n")
        let missing = try await capstan(["token", "list", "--config", folder.appendingPathComponent("nope.yaml").path])
        #expect(missing.status == 2 && missing.err.contains("cannot read"))
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: file))
        let broken = try await capstan(["token", "list", "--tokens-file", file])
        #expect(broken.status == 2 && broken.err.contains("\(file):1: not a token record"))
    }

    static let invalid: [(arguments: [String], message: String)] = [
        (["token", "create", "--name", "alice", "--tokens-file", "t"], "give the token a role with --role"),
        (["token", "create", "--name", "alice", "--role", "root", "--tokens-file", "t"],
         "--role must be one of viewer, deployer, approver, admin, not 'root'"),
        (["token", "create", "--name", "role:admin", "--role", "admin", "--tokens-file", "t"], "--name: a token name is"),
        (["token", "create", "--name", "a", "--role", "admin"], "give the tokens file with --tokens-file PATH"),
        (["token", "list", "--tokens-file", "t", "--config", "c"], "give the tokens file with --tokens-file PATH"),
    ]

    @Test(arguments: invalid)
    func badCommandLinesAreRefusedBeforeAnythingIsWritten(_ bad: (arguments: [String], message: String)) {
        #expect {
            _ = try Capstan.parseAsRoot(bad.arguments)
        } throws: { error in
            Capstan.message(for: error).contains(bad.message)
        }
    }
}
