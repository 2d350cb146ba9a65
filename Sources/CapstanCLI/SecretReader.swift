import CapstanCore
import CapstanGit
import Foundation

/// Turns the credentials a server config names into the secrets themselves, at start-up only.
enum SecretReader {
    struct Missing: Error, CustomStringConvertible {
        let description: String
    }

    static func read(_ source: SecretSource) throws -> String {
        switch source {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw Missing(description: "the \(source) is not set")
            }
            return value
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else { throw Missing(description: "cannot read the \(source)") }
            return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    static func credentials(_ repository: RepositoryConfig) throws -> GitCredentials {
        switch repository.credentials {
        case .none: return .none
        case .token(let source, let username): return .token(username: username, token: try read(source))
        case .sshKey(let path, let passphrase, let username):
            return .sshKey(username: username, privateKey: path, passphrase: try passphrase.map(read))
        }
    }
}
