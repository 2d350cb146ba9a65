import CapstanCore
@testable import CapstanServer
import Foundation
import Testing

/// The tokens file: its format, its atomic 0600 writes, and the server's store that reads it again when
/// it changes.
@Suite struct AuthTokenFileTests {
    static let created = Timestamp("2025-03-01T12:00:00Z")!

    static func record(_ name: String, _ roles: [Role] = [.viewer], token: String? = nil) -> TokenRecord {
        TokenRecord(name: name, roles: roles, sha256: BearerToken.sha256Hex(token ?? "capstan_\(name)"), created: created)
    }

    @Test func theFileIsAHeaderAndOneJSONObjectPerLine() throws {
        let data = TokenFile.render([Self.record("alice", [.deployer, .approver])])
        #expect(String(decoding: data, as: UTF8.self) == """
            # Capstan API tokens: SHA-256 hashes only. Manage with capstan token create|list|revoke.
            {"created":"2025-03-01T12:00:00.000000Z","name":"alice","roles":["deployer","approver"],\
            "sha256":"\(BearerToken.sha256Hex("capstan_alice"))"}

            """)
        #expect(try TokenFile.parse(data, file: "t") == [Self.record("alice", [.deployer, .approver])])
    }

    @Test func commentsAndBlankLinesAreIgnored() throws {
        let line = String(decoding: TokenFile.render([Self.record("bob")]), as: UTF8.self).split(separator: "\n")[1]
        let text = "# tokens\n\n   \n\(line)\n# the end"
        #expect(try TokenFile.parse(Data(text.utf8), file: "t") == [Self.record("bob")])
    }

    static let hash = BearerToken.sha256Hex("x")
    static let malformed: [(text: String, message: String)] = [
        ("{", "tokens.jsonl:2: not a token record (a JSON object with name, roles, sha256 and created)"),
        (#"{"name":"a","roles":["root"],"sha256":"\#(hash)","created":"2025-03-01T12:00:00Z"}"#,
         "tokens.jsonl:2: not a token record (a JSON object with name, roles, sha256 and created)"),
        (#"{"name":"a b","roles":["viewer"],"sha256":"\#(hash)","created":"2025-03-01T12:00:00Z"}"#,
         #"tokens.jsonl:2: a token name is 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit; got "a b""#),
        (#"{"name":"a","roles":[],"sha256":"\#(hash)","created":"2025-03-01T12:00:00Z"}"#, "tokens.jsonl:2: token a has no role"),
        (#"{"name":"a","roles":["viewer"],"sha256":"abc","created":"2025-03-01T12:00:00Z"}"#,
         "tokens.jsonl:2: token a: sha256 must be 64 lower-case hex digits"),
        (#"{"name":"a","roles":["viewer"],"sha256":"\#(hash.uppercased())","created":"2025-03-01T12:00:00Z"}"#,
         "tokens.jsonl:2: token a: sha256 must be 64 lower-case hex digits"),
        (#"{"name":"vera","roles":["viewer"],"sha256":"\#(hash)","created":"2025-03-01T12:00:00Z"}"#,
         "tokens.jsonl:2: a second token is named vera"),
    ]

    @Test(arguments: malformed)
    func aMalformedLineIsNamedByItsNumber(_ bad: (text: String, message: String)) {
        let first = String(decoding: TokenFile.render([Self.record("vera")]), as: UTF8.self).split(separator: "\n")[1]
        #expect(throws: TokenFileError(bad.message)) {
            try TokenFile.parse(Data("\(first)\n\(bad.text)\n".utf8), file: "tokens.jsonl")
        }
    }

    @Test func writesAreAtomicWithMode0600AndLeaveNothingBehind() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tokens.jsonl").path
        #expect(try TokenFile.read(path) == [])
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        try TokenFile.write([Self.record("a")], to: path)
        #expect(try TokenFile.read(path) == [Self.record("a")])
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["tokens.jsonl"])
    }

    /// A file others may write is one they may add a token to: `capstan serve` refuses to start on it.
    @Test func aFileOthersMayWriteIsUnsafe() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tokens.jsonl").path
        #expect(TokenFile.unsafePermissions(path) == nil)
        try TokenFile.write([Self.record("a")], to: path)
        #expect(TokenFile.unsafePermissions(path) == nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect(TokenFile.unsafePermissions(path) == nil)
        try FileManager.default.setAttributes([.posixPermissions: 0o664], ofItemAtPath: path)
        #expect(TokenFile.unsafePermissions(path) == "\(path) may be written by others (mode 664): anyone who can write "
            + "it can add a token; chmod 600 it")
    }

    @Test func updateCreatesTheFolderAndKeepsEveryConcurrentChange() async throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("etc/capstan/tokens.jsonl").path
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask { _ = try? TokenFile.update(path) { $0.append(Self.record("t\(index)")) } }
            }
        }
        #expect(try Set(TokenFile.read(path).map(\.name)) == Set((0..<20).map { "t\($0)" }))
        let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("etc").path)[.posixPermissions]
        #expect(mode as? Int == 0o700)
    }

    @Test func theStoreFindsTokensAndSeesEveryChange() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tokens.jsonl").path
        let store = TokenStore(path: path)
        #expect(store.lookup(token: "capstan_a") == .unknown)  // no file yet: no tokens
        try TokenFile.write([Self.record("a")], to: path)
        #expect(store.lookup(token: "capstan_a") == .found(Self.record("a")))
        #expect(store.lookup(token: "capstan_b") == .unknown)
        try TokenFile.update(path) { $0.append(Self.record("b", [.admin])) }
        #expect(store.lookup(token: "capstan_b") == .found(Self.record("b", [.admin])))
        try TokenFile.update(path) { $0.removeAll { $0.name == "a" } }
        #expect(store.lookup(token: "capstan_a") == .unknown)
        try FileManager.default.removeItem(atPath: path)
        #expect(store.lookup(token: "capstan_b") == .unknown)
    }

    /// Edited in place (same inode, same size), the file is still read again: its change time moved.
    @Test func anEditInPlaceIsSeenToo() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tokens.jsonl").path
        try TokenFile.write([Self.record("a", token: "capstan_1")], to: path)
        let store = TokenStore(path: path)
        #expect(store.lookup(token: "capstan_1") == .found(Self.record("a", token: "capstan_1")))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.write(contentsOf: TokenFile.render([Self.record("a", token: "capstan_2")]))
        try handle.close()
        #expect(store.lookup(token: "capstan_1") == .unknown)
        #expect(store.lookup(token: "capstan_2") == .found(Self.record("a", token: "capstan_2")))
    }

    @Test func aBrokenFileAcceptsNoTokenAndIsReportedOnceUntilFixed() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("tokens.jsonl").path
        try TokenFile.write([Self.record("a")], to: path)
        let store = TokenStore(path: path)
        #expect(store.lookup(token: "capstan_a") == .found(Self.record("a")))
        try Data("{\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = TokenFileError("\(path):1: not a token record (a JSON object with name, roles, sha256 and created)")
        #expect(store.lookup(token: "capstan_a") == .unreadable(error, firstReport: true))
        #expect(store.lookup(token: "capstan_a") == .unreadable(error, firstReport: false))
        try TokenFile.write([Self.record("a")], to: path)
        #expect(store.lookup(token: "capstan_a") == .found(Self.record("a")))
    }

    @Test(arguments: [
        ("tokens.jsonl", "/etc/capstan/server.yaml", "/etc/capstan/tokens.jsonl"),
        ("../secrets/tokens.jsonl", "/etc/capstan/server.yaml", "/etc/secrets/tokens.jsonl"),
        ("/var/lib/capstan/tokens.jsonl", "/etc/capstan/server.yaml", "/var/lib/capstan/tokens.jsonl"),
    ])
    func aRelativeTokensFileIsRelativeToTheConfig(_ row: (path: String, config: String, resolved: String)) {
        let configuration = AuthConfiguration(AuthConfig(tokensFile: row.path, anonymousRead: false), configFile: row.config)
        #expect(configuration == AuthConfiguration(tokensFile: row.resolved, anonymousRead: false))
    }

    @Test func aConfigGivenRelativeToTheWorkingDirectoryResolvesFromThere() {
        let cwd = FileManager.default.currentDirectoryPath
        #expect(AuthConfiguration.resolve("tokens.jsonl", configFile: "conf/server.yaml")
            == URL(fileURLWithPath: cwd).appendingPathComponent("conf/tokens.jsonl").standardizedFileURL.path)
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-tokens-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }
}
