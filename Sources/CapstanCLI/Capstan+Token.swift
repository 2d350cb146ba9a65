public import ArgumentParser
import CapstanConfig
import CapstanCore
import CapstanServer
import Foundation

extension Capstan {
    /// `capstan token create|list|revoke`: the API's bearer tokens, kept hashed in the tokens file.
    public struct Token: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Create, list or revoke the API's bearer tokens.",
            discussion: """
                Tokens live in the tokens file that the server config's auth.tokensFile names (give --config \
                SERVER.yaml, or the file itself with --tokens-file). The file keeps names, roles and SHA-256 \
                hashes, never tokens. A running server reads it again when it changes: a new token works, and \
                a revoked one stops working, from the next request. Roles: viewer (reads), deployer (sync, \
                cancel, rollback, skip-stage), approver (approve), admin (everything).
                """,
            subcommands: [Create.self, List.self, Revoke.self]
        )

        public init() {}
    }
}

/// Where the tokens file is: named directly, or through the server config's `auth.tokensFile`.
struct TokensFileOptions: ParsableArguments, Sendable {
    @Option(help: "The tokens file.") var tokensFile: String?
    @Option(help: "The server config (YAML) whose auth.tokensFile names the tokens file.") var config: String?

    func validate() throws {
        guard (tokensFile == nil) != (config == nil) else {
            throw ValidationError("give the tokens file with --tokens-file PATH, or the server config with --config FILE")
        }
    }

    /// The tokens file's path: --tokens-file, or auth.tokensFile of --config relative to the config's folder.
    func path() throws -> String {
        if let tokensFile { return tokensFile }
        guard let config else { throw TokenCommandError.unusable("give --tokens-file or --config") }
        guard let bytes = FileManager.default.contents(atPath: config) else {
            throw TokenCommandError.unusable("cannot read \(config)")
        }
        let decoded = ServerConfigDecoder.decode(bytes, file: config)
        guard let settings = decoded.validValue else {
            throw TokenCommandError.unusable(decoded.diagnostics.map(\.description).joined(separator: "\n"))
        }
        guard let auth = settings.auth else {
            throw TokenCommandError.unusable("\(config) has no auth section; add `auth: {tokensFile: tokens.jsonl}` to it "
                + "(the path is relative to the config), or give --tokens-file")
        }
        return AuthConfiguration(auth, configFile: config).tokensFile
    }

    /// Runs `body`; prints a failure as `command: message` and returns its exit status.
    func run(_ command: String, console: Console, _ body: (String) throws -> Void) -> Int32 {
        do {
            try body(try path())
            return 0
        } catch let error as TokenCommandError {
            console.err("\(command): \(error)")
            return error.exitStatus
        } catch {
            console.err("\(command): \(error)")
            return 2
        }
    }
}

/// Why a token command did nothing.
enum TokenCommandError: Error, CustomStringConvertible {
    /// The request does not apply: the name is taken, or there is no such token. Exit 1.
    case refused(String)
    /// The config or the tokens file cannot be used. Exit 2.
    case unusable(String)

    var description: String {
        switch self {
        case .refused(let message), .unusable(let message): message
        }
    }

    var exitStatus: Int32 {
        if case .refused = self { return 1 }
        return 2
    }
}

extension Capstan.Token {
    /// `capstan token create --name NAME --role ROLE`: a new token, printed once.
    public struct Create: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Create a token and print it; only its hash is kept.",
            discussion: """
                Prints the token alone on standard output (TOKEN=$(capstan token create ...) keeps it), \
                and what was done on standard error. It cannot be shown again: if it is lost, revoke it and \
                create another. Give --role more than once for several roles. Exits 1 when a token has that \
                name already, 2 when the config or the tokens file cannot be used.
                """
        )

        @Option(help: "Who the token is: the API records it as the actor (letters, digits, '.', '_', '-', '@').")
        var name: String
        @Option(help: "viewer, deployer, approver or admin; repeat for several.")
        var role: [String] = []
        @OptionGroup var file: TokensFileOptions

        public init() {}

        public func validate() throws {
            if let problem = TokenRecord.problem(withName: name) { throw ValidationError("--name: \(problem)") }
            guard !role.isEmpty else { throw ValidationError("give the token a role with --role (\(Role.names))") }
            for text in role where Role(rawValue: text) == nil {
                throw ValidationError("--role must be one of \(Role.names), not '\(text)'")
            }
        }

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            let roles = role.compactMap(Role.init(rawValue:))
            return file.run("capstan token create", console: console) { path in
                let token = BearerToken.generate()
                let record = try TokenFile.update(path) { records in
                    guard !records.contains(where: { $0.name == name }) else {
                        throw TokenCommandError.refused("a token named \(name) exists already in \(path); revoke it "
                            + "first, or choose another name")
                    }
                    let record = TokenRecord(name: name, roles: roles, sha256: BearerToken.sha256Hex(token),
                                             created: Timestamp(console.now()))
                    records.append(record)
                    return record
                }
                console.out(token)
                console.err("created token \(name) (\(record.roles.map(\.rawValue).joined(separator: ", "))) in \(path); "
                    + "it is shown only now: the file keeps only its SHA-256")
            }
        }
    }

    /// `capstan token list`: names, roles and creation times; never hashes.
    public struct List: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "List the tokens: names, roles and when they were created.",
            discussion: "Exits 2 when the config or the tokens file cannot be used."
        )

        @OptionGroup var file: TokensFileOptions
        @Option(help: "table, json or yaml.") var output: OutputFormat = .table

        public init() {}

        /// One token as the list shows it: no hash.
        struct Entry: Encodable {
            let name: String
            let roles: [Role]
            let created: Timestamp
        }

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            file.run("capstan token list", console: console) { path in
                let entries = try TokenFile.read(path).map { Entry(name: $0.name, roles: $0.roles, created: $0.created) }
                try OutputRenderer.write(entries, as: output, to: console) {
                    entries.isEmpty ? ["no tokens in \(path)"] : OutputRenderer.table(["NAME", "ROLES", "CREATED"], entries.map {
                        [$0.name, $0.roles.map(\.rawValue).joined(separator: ","), $0.created.description]
                    })
                }
            }
        }
    }

    /// `capstan token revoke NAME`: the token stops working from the server's next request.
    public struct Revoke: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Revoke a token: a running server refuses it from its next request.",
            discussion: "Exits 1 when there is no token of that name, 2 when the config or the tokens file cannot be used."
        )

        @Argument(help: "The token's name.") var name: String
        @OptionGroup var file: TokensFileOptions

        public init() {}

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            file.run("capstan token revoke", console: console) { path in
                try TokenFile.update(path) { records in
                    guard let index = records.firstIndex(where: { $0.name == name }) else {
                        throw TokenCommandError.refused("no token named \(name) in \(path)")
                    }
                    records.remove(at: index)
                }
                console.out("revoked token \(name); a running server refuses it from its next request")
            }
        }
    }
}
