@testable import CapstanServer
import CapstanCore
import Foundation
import HTTPTypes
import Testing

/// Which repositories a push is about: every spelling of a repository's URL, and the branch it follows.
@Suite struct WebhookMatchTests {
    /// Spellings of one repository, each against the others.
    static let spellings: [[String]] = [
        [
            "https://github.com/Codertocat/Hello-World.git", "https://github.com/codertocat/hello-world",
            "https://GitHub.com/Codertocat/Hello-World/", "http://github.com/Codertocat/Hello-World",
            "git@github.com:Codertocat/Hello-World.git", "github.com:Codertocat/Hello-World",
            "ssh://git@github.com/Codertocat/Hello-World.git", "ssh://git@github.com:22/Codertocat/Hello-World",
            "git://github.com/Codertocat/Hello-World.git", "https://x-access-token@github.com/Codertocat/Hello-World.git",
            "https://github.com:443/Codertocat/Hello-World.git/", "https://github.com/Codertocat/Hello-World.GIT",
        ],
        [
            "file:///srv/git/apps.git", "file:///srv/git/apps", "/srv/git/apps.git", "/srv/git/apps/",
            "file://localhost/srv/git/apps.git",
        ],
        ["ssh://git@[2001:db8::1]:2222/org/repo.git", "git@[2001:db8::1]:org/repo", "https://[2001:db8::1]/org/repo"],
    ]

    @Test(arguments: spellings)
    func everySpellingIsOneLocation(_ urls: [String]) throws {
        let locations = try urls.map { try #require(RepositoryLocation($0), "\($0)") }
        for (url, location) in zip(urls, locations) {
            #expect(location == locations[0], "\(url) is \(location), \(urls[0]) is \(locations[0])")
        }
    }

    @Test(arguments: [
        ("https://github.com/org/repo", "https://github.com/org/other"),
        ("https://github.com/org/repo", "https://gitlab.com/org/repo"),
        ("https://github.com/org/repo", "https://github.com/other/repo"),
        ("git@github.com:org/repo.git", "git@github.com:org/repo-two.git"),
        ("file:///srv/git/apps.git", "file:///srv/git/apps2.git"),
        ("https://server/scm/prj/repo.git", "ssh://git@server:7999/prj/repo.git"),
    ])
    func differentRepositoriesDiffer(_ pair: (String, String)) {
        #expect(RepositoryLocation(pair.0) != RepositoryLocation(pair.1))
    }

    @Test(arguments: ["", "   ", "https://github.com", "https://github.com/", "git@github.com:", "file://"])
    func addressesWithoutARepositoryAreNone(_ url: String) {
        #expect(RepositoryLocation(url) == nil)
    }

    static let repositories = [
        WebhookSettings.Repository(name: "apps", branch: "main", location: RepositoryLocation("git@github.com:org/apps.git"),
                                   key: nil),
        WebhookSettings.Repository(name: "apps-staging", branch: "staging",
                                   location: RepositoryLocation("https://github.com/org/apps"), key: nil),
        WebhookSettings.Repository(name: "infra", branch: "main", location: RepositoryLocation("https://github.com/org/infra"),
                                   key: WebhookKey(bytes: [1])),
    ]

    private func match(_ push: WebhookPush, allowed: Set<String> = ["apps", "apps-staging", "infra"]) -> WebhookMatch {
        WebhookMatch(push, repositories: Self.repositories) { allowed.contains($0.name) }
    }

    @Test func aBranchRefreshesTheRepositoriesThatFollowIt() {
        let push = WebhookPush(urls: ["https://github.com/org/apps.git"], refs: ["refs/heads/main"])
        #expect(match(push).both == (["apps"], "refreshing apps"))
        let staging = WebhookPush(urls: ["https://github.com/org/apps.git"], refs: ["refs/heads/staging"])
        #expect(match(staging).refreshed == ["apps-staging"])
        let both = WebhookPush(urls: ["https://github.com/org/apps.git"], refs: ["refs/heads/main", "refs/heads/staging"])
        #expect(match(both).both == (["apps", "apps-staging"], "refreshing apps, apps-staging"))
    }

    @Test func otherBranchesAndRepositoriesRefreshNothing() {
        let feature = WebhookPush(urls: ["https://github.com/org/apps.git"], refs: ["refs/heads/feature/x"])
        #expect(match(feature).both == ([], "no configured repository at https://github.com/org/apps.git follows feature/x"))
        let elsewhere = WebhookPush(urls: ["https://github.com/org/web.git"], refs: ["refs/heads/main"])
        #expect(match(elsewhere).both == ([], "no configured repository is at https://github.com/org/web.git"))
    }

    @Test func tagsRefreshNothing() {
        let tag = WebhookPush(urls: ["https://github.com/org/apps.git"], refs: ["refs/tags/v1.0.0"])
        #expect(match(tag).both == (
            [], "refs/tags/v1.0.0 is a tag: Capstan follows branches, so a tag push refreshes nothing"))
        let note = WebhookPush(urls: ["https://github.com/org/apps.git"], refs: ["refs/notes/commits"])
        #expect(match(note).refreshed.isEmpty)
        // A branch and a tag in one push (Bitbucket sends both): the branch counts.
        let mixed = WebhookPush(urls: ["https://github.com/org/apps.git"], refs: ["refs/tags/v1", "refs/heads/main"])
        #expect(match(mixed).refreshed == ["apps"])
    }

    @Test func noRefMeansTheBranchEachFollows() {
        let any = WebhookPush(urls: ["git@github.com:org/apps"], refs: nil)
        #expect(match(any).refreshed == ["apps", "apps-staging"])
        let byName = WebhookPush(urls: ["infra"], names: ["infra"], refs: ["refs/heads/main"])
        #expect(match(byName).refreshed == ["infra"])
    }

    @Test func aRepositoryWithItsOwnSecretNeedsIt() {
        let push = WebhookPush(urls: ["https://github.com/org/infra"], refs: ["refs/heads/main"])
        #expect(match(push, allowed: ["apps"]).both == (
            [], "the repositories at https://github.com/org/infra have their own webhookSecret, and this delivery is not signed with it"))
    }

    /// GitHub's and Gitea's `homepage` is a link the owner types: a fork's may name its upstream, and a push to
    /// the fork must not refresh the upstream. (GitLab fills it with the project's own URL, so it counts there.)
    @Test func aGitHubHomepageIsNotTheRepositorysURL() throws {
        let body = #"{"ref": "refs/heads/main", "after": "0d1a26e6", "repository": {"clone_url": "https://github.com/fork/apps.git", "homepage": "https://github.com/org/apps"}}"#
        var headers = HTTPFields()
        headers[HTTPField.Name("X-GitHub-Event")!] = "push"
        guard case .push(let push) = try WebhookPayloads.event(.github, headers: headers, body: Data(body.utf8)) else {
            Issue.record("not a push")
            return
        }
        #expect(push.urls == ["https://github.com/fork/apps.git"])
    }
}

extension WebhookMatch {
    /// Both fields, to compare at once.
    var both: ([String], String) { (refreshed, message) }

}
