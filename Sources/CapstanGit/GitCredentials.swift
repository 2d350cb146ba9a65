import CLibGit2
import Foundation

/// Credentials for a remote, from configuration. Its description never shows a secret.
public enum GitCredentials: Sendable, Hashable, CustomStringConvertible {
    /// Anonymous access.
    case none
    /// An https token sent as the password of basic auth; the user name defaults to the URL's
    /// user, else "x-access-token" (what GitHub, Gitea and GitLab accept with a token).
    case token(username: String? = nil, token: String)
    /// An ssh key pair from files; the user name defaults to the URL's user, else "git".
    case sshKey(username: String? = nil, privateKey: String, publicKey: String? = nil, passphrase: String? = nil)

    public var description: String {
        switch self {
        case .none:
            return "none"
        case .token(let username, _):
            return "token(username: \(username ?? "default"), token: ***)"
        case .sshKey(let username, let privateKey, let publicKey, let passphrase):
            return "sshKey(username: \(username ?? "default"), privateKey: \(privateKey), publicKey: \(publicKey ?? "derived"), passphrase: \(passphrase == nil ? "none" : "***"))"
        }
    }

    /// Values to scrub from any message.
    var secrets: [String] {
        switch self {
        case .none: return []
        case .token(_, let token): return [token]
        case .sshKey(_, _, _, let passphrase): return passphrase.map { [$0] } ?? []
        }
    }
}

/// The credential kinds libgit2 says the remote accepts (`git_credential_t` bits).
struct CredentialTypes: OptionSet, Sendable, Hashable {
    let rawValue: UInt32

    static let userpass = CredentialTypes(rawValue: GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue)
    static let sshKey = CredentialTypes(rawValue: GIT_CREDENTIAL_SSH_KEY.rawValue)
    static let sshCustom = CredentialTypes(rawValue: GIT_CREDENTIAL_SSH_CUSTOM.rawValue)
    static let defaultAuth = CredentialTypes(rawValue: GIT_CREDENTIAL_DEFAULT.rawValue)
    static let sshInteractive = CredentialTypes(rawValue: GIT_CREDENTIAL_SSH_INTERACTIVE.rawValue)
    static let username = CredentialTypes(rawValue: GIT_CREDENTIAL_USERNAME.rawValue)
    static let sshMemory = CredentialTypes(rawValue: GIT_CREDENTIAL_SSH_MEMORY.rawValue)

    /// For messages: "userpass, ssh-key".
    var names: String {
        let all: [(CredentialTypes, String)] = [
            (.userpass, "user/password"), (.sshKey, "ssh-key"), (.sshCustom, "ssh-custom"), (.defaultAuth, "negotiate/ntlm"),
            (.sshInteractive, "ssh-interactive"), (.username, "username"), (.sshMemory, "ssh-key-in-memory"),
        ]
        let names = all.filter { contains($0.0) }.map(\.1)
        return names.isEmpty ? "nothing we know" : names.joined(separator: ", ")
    }
}

/// What to hand libgit2 when it asks for credentials.
enum CredentialChoice: Sendable, Hashable {
    case username(String)
    case userpass(username: String, password: String)
    case sshKey(username: String, publicKey: String?, privateKey: String, passphrase: String?)

    /// A choice that carries a secret; libgit2 asks again only when the remote refused it.
    var isSecret: Bool {
        if case .username = self { return false }
        return true
    }
}

/// Why no credential can be given; becomes an `authenticationFailed` error.
struct CredentialRefusal: Error, Sendable, Hashable {
    let message: String
}

/// The credentials decision as a pure function: testable without a server.
enum CredentialPolicy {
    /// Chooses a credential for one request of libgit2's credentials callback.
    /// - Parameters:
    ///   - allowed: the kinds the remote accepts.
    ///   - usernameFromURL: the user part of the remote URL, if any.
    ///   - secretsAlreadySent: how many secret credentials this operation has handed out; libgit2
    ///     asks again after a rejection, and would do so forever, so one attempt is all we give.
    ///   - fileExists: checks a key path (injected for tests).
    static func choose(
        configured: GitCredentials,
        allowed: CredentialTypes,
        usernameFromURL: String?,
        secretsAlreadySent: Int,
        fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }
    ) -> Result<CredentialChoice, CredentialRefusal> {
        let urlUser = usernameFromURL.flatMap { $0.isEmpty ? nil : $0 }
        let choice: CredentialChoice
        switch configured {
        case .none:
            return .failure(CredentialRefusal(message: "the remote asks for credentials (\(allowed.names)) but none are configured"))
        case .token(let username, let token):
            guard allowed.contains(.userpass) else {
                return .failure(CredentialRefusal(message: "a token is configured but the remote asks for \(allowed.names); ssh remotes need an ssh key"))
            }
            choice = .userpass(username: username ?? urlUser ?? "x-access-token", password: token)
        case .sshKey(let username, let privateKey, let publicKey, let passphrase):
            let user = username ?? urlUser ?? "git"
            if allowed.contains(.sshKey) {
                let privatePath = expandTilde(privateKey)
                guard fileExists(privatePath) else {
                    return .failure(CredentialRefusal(message: "the ssh private key file does not exist: \(privateKey)"))
                }
                let publicPath = publicKey.map(expandTilde)
                if let publicPath, !fileExists(publicPath) {
                    return .failure(CredentialRefusal(message: "the ssh public key file does not exist: \(publicKey ?? "")"))
                }
                choice = .sshKey(username: user, publicKey: publicPath, privateKey: privatePath, passphrase: passphrase)
            } else if allowed.contains(.username) {
                // libgit2's ssh transport first asks for a user name when the URL has none.
                choice = .username(user)
            } else {
                return .failure(CredentialRefusal(message: "an ssh key is configured but the remote asks for \(allowed.names); https remotes need a token"))
            }
        }
        if choice.isSecret && secretsAlreadySent > 0 {
            return .failure(CredentialRefusal(message: "the remote rejected the configured credentials"))
        }
        return .success(choice)
    }

    private static func expandTilde(_ path: String) -> String {
        NSString(string: path).expandingTildeInPath
    }
}
