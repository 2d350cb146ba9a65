@testable import CapstanGit
import Foundation
import Testing

/// Parsing and redacting remotes: a table of what users write in configuration.
@Suite struct GitRemoteTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let input: String
        let kind: GitRemote.Kind
        let redacted: String
        var testDescription: String { input }
    }

    static let valid: [Case] = [
        Case(input: "https://github.com/org/repo.git", kind: .https, redacted: "https://github.com/org/repo.git"),
        Case(input: "https://user:token@github.com/org/repo.git", kind: .https, redacted: "https://github.com/org/repo.git"),
        Case(input: "https://ghp_TOKEN@github.com/org/repo", kind: .https, redacted: "https://github.com/org/repo"),
        Case(input: "https://host/org/repo.git?private_token=abc#frag", kind: .https, redacted: "https://host/org/repo.git"),
        Case(input: "HTTPS://Host.example/x", kind: .https, redacted: "https://Host.example/x"),
        Case(input: "http://127.0.0.1:8080/x.git", kind: .http, redacted: "http://127.0.0.1:8080/x.git"),
        Case(input: "http://u:p@[::1]:8080/x.git", kind: .http, redacted: "http://[::1]:8080/x.git"),
        Case(input: "ssh://git@host:2222/org/repo.git", kind: .ssh, redacted: "ssh://git@host:2222/org/repo.git"),
        Case(input: "ssh://git:hunter2@host/org/repo.git", kind: .ssh, redacted: "ssh://git@host/org/repo.git"),
        Case(input: "ssh://host/repo", kind: .ssh, redacted: "ssh://host/repo"),
        Case(input: "git+ssh://git@host/repo", kind: .ssh, redacted: "git+ssh://git@host/repo"),
        Case(input: "git@github.com:org/repo.git", kind: .ssh, redacted: "git@github.com:org/repo.git"),
        Case(input: "github.com:org/repo.git", kind: .ssh, redacted: "github.com:org/repo.git"),
        Case(input: "git://127.0.0.1:9418/repo", kind: .git, redacted: "git://127.0.0.1:9418/repo"),
        Case(input: "file:///srv/git/repo.git", kind: .file, redacted: "file:///srv/git/repo.git"),
        Case(input: "/srv/git/repo.git", kind: .local, redacted: "/srv/git/repo.git"),
        Case(input: "/srv/git/../git/repo", kind: .local, redacted: "/srv/git/repo"),
        Case(input: "/srv/odd:name", kind: .local, redacted: "/srv/odd:name"),
    ]

    @Test(arguments: valid)
    func parsesAndRedacts(_ example: Case) throws {
        let remote = try GitRemote(example.input)
        #expect(remote.kind == example.kind)
        #expect(remote.redacted == example.redacted)
        #expect(remote.description == example.redacted)
        #expect(remote.url == (example.kind == .local ? example.redacted : example.input))
    }

    @Test func relativeAndHomePathsBecomeAbsolute() throws {
        let relative = try GitRemote("./repo")
        #expect(relative.kind == .local)
        #expect(relative.redacted == URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("repo").path)
        let home = try GitRemote("~/repo")
        #expect(home.redacted.hasPrefix("/") && home.redacted.hasSuffix("/repo"))
    }

    @Test(arguments: [
        "", "repo", "ftp://host/repo", "https://", "https://host", "https://host/", "https://user:pw@/x",
        "file://", "file://relative", "git@host:", ":path", "https://host/x\ny", "/tmp/x\0y",
    ])
    func rejects(_ input: String) {
        #expect {
            try GitRemote(input)
        } throws: { error in
            guard let error = error as? GitError else { return false }
            return error.code == .invalidRemote && !error.remote.contains("pw")
        }
    }

    @Test func folderNamesAreStableReadableAndShareCredentiallessIdentity() throws {
        let plain = try GitRemote("https://github.com/Org/Repo.git")
        #expect(plain.folderName == "github.com-Org-Repo.git-" + GitRemote.fnv1a("https://github.com/Org/Repo.git"))
        #expect(try GitRemote("https://u:t@github.com/Org/Repo.git").folderName == plain.folderName)
        #expect(try GitRemote("git@github.com:Org/Repo.git").folderName.hasPrefix("git-github.com-Org-Repo.git-"))
        #expect(try GitRemote("/tmp/a b/c").folderName.hasPrefix("tmp-a-b-c-"))
        #expect(try GitRemote("https://github.com/org/repo").folderName != plain.folderName)
        // FNV-1a 64 reference value, so the name survives restarts and Swift versions.
        #expect(GitRemote.fnv1a("a") == "af63dc4c8601ec8c")
    }

    @Test func secretsAreScrubbedFromMessages() throws {
        let remote = try GitRemote("https://alice:pa55word@host/x.git")
        let context = GitContext(remote: remote.redacted, secrets: remote.secrets + ["tok-999"], rawURL: remote.url)
        let scrubbed = context.scrub("failed for https://alice:pa55word@host/x.git with pa55word and tok-999")
        #expect(scrubbed == "failed for https://host/x.git with *** and ***")
    }
}
