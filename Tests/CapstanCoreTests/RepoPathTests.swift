import CapstanCore
import Testing

@Suite struct RepoPathTests {
    @Test(arguments: [
        ("service.yaml", "apps/a", "apps/a/service.yaml"),
        ("./service.yaml", "apps/a", "apps/a/service.yaml"),
        ("../shared/base.yaml", "apps/a", "apps/shared/base.yaml"),
        ("k8s//deploy.yaml", "apps/a", "apps/a/k8s/deploy.yaml"),
        ("x.yaml", "", "x.yaml"),
    ])
    func resolvesInside(relative: String, folder: String, expected: String) {
        #expect(RepoPath.resolve(relative, in: folder) == expected)
    }

    @Test(arguments: [("../../../etc/passwd", "apps/a"), ("/etc/passwd", "apps/a"), ("..", ""), ("", "apps")])
    func refusesOutside(relative: String, folder: String) {
        #expect(RepoPath.resolve(relative, in: folder) == nil)
    }

    @Test func insideAndParents() {
        #expect(RepoPath.isInside("apps/a/x", folder: "apps/a"))
        #expect(!RepoPath.isInside("apps/ab/x", folder: "apps/a"))
        #expect(!RepoPath.isInside("apps/a", folder: "apps/a"))
        #expect(RepoPath.isInside("anything", folder: ""))
        #expect(RepoPath.parent(of: "apps/a/capstan.yaml") == "apps/a")
        #expect(RepoPath.parent(of: "capstan.yaml") == "")
        #expect(RepoPath.name(of: "apps/a/capstan.yaml") == "capstan.yaml")
    }
}
