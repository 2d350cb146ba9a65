import CLibGit2
@testable import CapstanGit
import Testing

/// The credentials decision, up to the network call.
@Suite struct GitCredentialsTests {
    private func choose(
        _ configured: GitCredentials, _ allowed: CredentialTypes, user: String? = nil, sent: Int = 0,
        files: Set<String> = ["/keys/id_ed25519", "/keys/id_ed25519.pub"]
    ) -> Result<CredentialChoice, CredentialRefusal> {
        CredentialPolicy.choose(configured: configured, allowed: allowed, usernameFromURL: user, secretsAlreadySent: sent) { files.contains($0) }
    }

    @Test func tokenUsesTheDefaultUserTheURLUserOrTheConfiguredOne() {
        #expect(choose(.token(token: "t"), .userpass) == .success(.userpass(username: "x-access-token", password: "t")))
        #expect(choose(.token(token: "t"), .userpass, user: "oauth2") == .success(.userpass(username: "oauth2", password: "t")))
        #expect(choose(.token(username: "bot", token: "t"), .userpass, user: "oauth2") == .success(.userpass(username: "bot", password: "t")))
        #expect(choose(.token(token: "t"), .userpass, user: "") == .success(.userpass(username: "x-access-token", password: "t")))
    }

    @Test func sshKeyAnswersTheUsernameQuestionThenTheKey() {
        let key = GitCredentials.sshKey(privateKey: "/keys/id_ed25519", publicKey: "/keys/id_ed25519.pub", passphrase: "pp")
        #expect(choose(key, .username) == .success(.username("git")))
        #expect(choose(key, [.sshKey, .sshCustom, .sshInteractive], user: "deploy")
            == .success(.sshKey(username: "deploy", publicKey: "/keys/id_ed25519.pub", privateKey: "/keys/id_ed25519", passphrase: "pp")))
        #expect(choose(.sshKey(username: "me", privateKey: "/keys/id_ed25519"), .sshKey)
            == .success(.sshKey(username: "me", publicKey: nil, privateKey: "/keys/id_ed25519", passphrase: nil)))
    }

    @Test func missingKeyFilesAreClearErrors() {
        guard case .failure(let refusal) = choose(.sshKey(privateKey: "/keys/missing"), .sshKey) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.message.contains("private key") && refusal.message.contains("/keys/missing"))
        guard case .failure(let publicRefusal) = choose(.sshKey(privateKey: "/keys/id_ed25519", publicKey: "/keys/nope.pub"), .sshKey) else {
            Issue.record("expected a refusal")
            return
        }
        #expect(publicRefusal.message.contains("/keys/nope.pub"))
    }

    @Test func givesUpAfterOneAttempt() {
        #expect(choose(.token(token: "t"), .userpass, sent: 1) == .failure(CredentialRefusal(message: "the remote rejected the configured credentials")))
        #expect(choose(.sshKey(privateKey: "/keys/id_ed25519"), .sshKey, sent: 1) == .failure(CredentialRefusal(message: "the remote rejected the configured credentials")))
        // Answering the username question is not an attempt.
        #expect(choose(.sshKey(privateKey: "/keys/id_ed25519"), .username, sent: 1) == .success(.username("git")))
    }

    @Test func mismatchedOrMissingCredentialsAreRefused() {
        #expect(choose(.none, .userpass).isRefusal(containing: "none are configured"))
        #expect(choose(.token(token: "t"), [.sshKey, .username]).isRefusal(containing: "ssh remotes need an ssh key"))
        #expect(choose(.sshKey(privateKey: "/keys/id_ed25519"), .userpass).isRefusal(containing: "https remotes need a token"))
    }

    @Test func bitsMatchLibgit2() {
        #expect(CredentialTypes.userpass.rawValue == GIT_CREDENTIAL_USERPASS_PLAINTEXT.rawValue)
        #expect(CredentialTypes.username.rawValue == 1 << 5)
        #expect(CredentialTypes([.userpass, .sshKey]).names == "user/password, ssh-key")
    }

    @Test func descriptionsHideSecrets() {
        let token = GitCredentials.token(token: "ghp_secret")
        let key = GitCredentials.sshKey(privateKey: "/k", passphrase: "hunter2")
        #expect(!"\(token)".contains("ghp_secret") && !String(reflecting: token).contains("ghp_secret"))
        #expect(!"\(key)".contains("hunter2"))
    }
}

extension Result where Failure == CredentialRefusal {
    fileprivate func isRefusal(containing text: String) -> Bool {
        if case .failure(let refusal) = self { return refusal.message.contains(text) }
        return false
    }
}
