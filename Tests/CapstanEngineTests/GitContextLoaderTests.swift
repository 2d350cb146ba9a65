import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanTesting
import Foundation
import Testing

@Suite struct GitContextLoaderTests {
    @Test func checksOutTheAppFolderPerCommitAndKeepsOnlyTheCurrentAndPrevious() async throws {
        let repo = try GitFixture.create()
        defer { repo.delete() }
        let data = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-ctx-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: data) }
        try repo.write("apps/web/capstan.yaml", RepositoryReconcilerTests.app("web"))
        try repo.write("apps/web/service.yaml", RepositoryReconcilerTests.service)
        try repo.write("apps/web/static/index.html", "v1")
        try repo.write("apps/other/secret.txt", "not for web")
        var commits = [try repo.commit("v1")]
        for version in 2...3 {
            try repo.write("apps/web/static/index.html", "v\(version)")
            commits.append(try repo.commit("v\(version)"))
        }
        let store = MemoryDeploymentStore()
        try await store.write([.upsertApp(AppRecord(name: "web", repository: "r", configPath: "apps/web/capstan.yaml",
                                                     updatedAt: Date()))], events: [])
        let loader = GitContextLoader(source: try GitRepository(path: repo.path), store: store,
                                      checkoutRoot: data.appendingPathComponent("checkouts"))
        var previous: CommitID?
        var directories: [String] = []
        for commit in commits {
            let deployment = Deployment(id: .random(), app: "web", commit: commit, previousCommit: previous,
                                        trigger: .commit, strategy: .quick, createdAt: Date())
            let context = try await loader.context(for: deployment)
            directories.append(context.appDirectory)
            #expect(context.manifests["service.yaml"] == RepositoryReconcilerTests.service)
            previous = commit
        }
        let last = URL(fileURLWithPath: directories[2])
        #expect(try String(contentsOf: last.appendingPathComponent("static/index.html"), encoding: .utf8) == "v3")
        #expect(!FileManager.default.fileExists(atPath: last.appendingPathComponent("secret.txt").path))
        let kept = try FileManager.default.contentsOfDirectory(atPath: data.appendingPathComponent("checkouts/web").path)
        #expect(Set(kept) == [commits[1].hex, commits[2].hex])
    }
}
