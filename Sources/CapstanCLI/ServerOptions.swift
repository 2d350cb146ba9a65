public import ArgumentParser
import Foundation

/// How a server command prints what it read.
public enum OutputFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case table, json, yaml
}

/// The flags every command that talks to a Capstan server shares: where it is, the token to show it,
/// and how to print.
public struct ServerOptions: ParsableArguments, Sendable {
    /// Where the server listens when neither --server nor CAPSTAN_SERVER says otherwise.
    public static let defaultServer = "http://127.0.0.1:8080"

    @Option(help: "The Capstan server's URL (default: $CAPSTAN_SERVER, else http://127.0.0.1:8080).")
    var server: String?

    @Option(help: ArgumentHelp(
        "A token for a server with auth (default: $CAPSTAN_TOKEN, which keeps it out of the process list).",
        valueName: "token"))
    var token: String?

    @Option(help: "table, json or yaml.")
    var output: OutputFormat = .table

    public init() {}

    public func validate() throws {
        _ = try serverURL()
    }

    /// --server, else CAPSTAN_SERVER, else the default; an http(s) URL.
    func serverURL(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> URL {
        let text = server ?? environment["CAPSTAN_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultServer
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              url.host != nil else {
            throw ValidationError("--server: '\(text)' is not an http:// or https:// URL")
        }
        return url
    }

    /// --token, else CAPSTAN_TOKEN; nil when neither is set. Never printed.
    func bearerToken(environment: [String: String] = ProcessInfo.processInfo.environment) -> String? {
        (token ?? environment["CAPSTAN_TOKEN"]).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Runs `body` with a client for the server; prints a failure as `command: message` and returns its exit status.
    func run(_ command: String, console: Console, _ body: (ServerClient) async throws -> Void) async -> Int32 {
        do {
            try await body(ServerClient(server: try serverURL(), token: bearerToken()))
            return 0
        } catch let error as ServerClientError {
            console.err("\(command): \(error)")
            return error.exitStatus
        } catch let error as ValidationError {
            console.err("\(command): \(error.message)")
            return 2
        } catch {
            console.err("\(command): \(error)")
            return 2
        }
    }
}
