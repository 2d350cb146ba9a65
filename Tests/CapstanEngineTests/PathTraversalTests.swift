import CapstanConfig
import CapstanCore
import CapstanEngine
import CapstanGit
import CapstanTesting
import Foundation
import Testing

/// Manifests and app folders that would reach outside the repository — `../`, absolute paths, symbolic links
/// committed to point elsewhere — are refused with the file and field named, in Git trees (what the server
/// deploys) and on disk (what `capstan validate` reads), and never read.
@Suite struct PathTraversalTests {
    static let service = RepositoryReconcilerTests.service

    static func app(_ manifests: String) -> String {
        "apiVersion: capstan/v1\nkind: Application\nname: web\nmanifests: \(manifests)\n"
    }

    /// A repository with one app at `apps/web` naming `manifests`, and the links `apps/web/secrets -> /etc`
    /// and `apps/web/passwd.yaml -> /etc/passwd`.
    static func repository(_ manifests: String) throws -> (GitFixture, CommitID) {
        let repo = try GitFixture.create()
        try repo.write("apps/web/capstan.yaml", app(manifests))
        try repo.write("apps/web/service.yaml", service)
        try FileManager.default.createSymbolicLink(atPath: repo.path.appendingPathComponent("apps/web/secrets").path,
                                                   withDestinationPath: "/etc")
        try FileManager.default.createSymbolicLink(atPath: repo.path.appendingPathComponent("apps/web/passwd.yaml").path,
                                                   withDestinationPath: "/etc/passwd")
        return (repo, try repo.commit("app"))
    }

    /// The diagnostics of the app's manifests, read from the Git tree and from the work tree on disk.
    static func manifestDiagnostics(_ manifests: String) async throws -> (git: [String], disk: [String]) {
        let (repo, commit) = try repository(manifests)
        defer { repo.delete() }
        let git = try GitRepository(path: repo.path).tree(at: commit)
        let disk = DirectoryTree(root: repo.path)
        func check(_ tree: some SourceTree) async throws -> [String] {
            let catalog = try await AppDiscovery.discover(in: tree)
            guard let app = catalog.apps.first else { return catalog.diagnostics.map(\.description) }
            return try await AppDiscovery.manifests(of: app, in: tree, catalog: catalog).diagnostics.map(\.description)
        }
        return (try await check(git), try await check(disk))
    }

    @Test(arguments: [
        ("[../../../x.yaml]", #"apps/web/capstan.yaml:4:13: manifests[0]: manifest path "../../../x.yaml" leaves the repository"#),
        ("[/etc/passwd]", #"apps/web/capstan.yaml:4:13: manifests[0]: manifest path "/etc/passwd" is absolute; name it relative to the application's folder"#),
        ("[secrets/passwd]", #"apps/web/capstan.yaml:4:13: manifests[0]: manifest path "secrets/passwd" goes through apps/web/secrets, a symbolic link; Capstan reads only files committed in the repository, never where a link points"#),
        ("[passwd.yaml]", #"apps/web/capstan.yaml:4:13: manifests[0]: manifest path "passwd.yaml" goes through apps/web/passwd.yaml, a symbolic link; Capstan reads only files committed in the repository, never where a link points"#),
    ])
    func aManifestOutsideTheRepositoryIsRefused(_ manifests: String, _ message: String) async throws {
        let (git, disk) = try await Self.manifestDiagnostics(manifests)
        #expect(git == [message])
        #expect(disk == [message])
    }

    @Test func anAppFolderThatIsALinkIsNeitherFoundNorRead() async throws {
        let repo = try GitFixture.create()
        defer { repo.delete() }
        try repo.write("apps/web/capstan.yaml", Self.app("[service.yaml]"))
        try repo.write("apps/web/service.yaml", Self.service)
        let outside = try GitFixture.create()  // a folder outside the repository, holding an app
        defer { outside.delete() }
        try outside.write("capstan.yaml", Self.app("[service.yaml]").replacingOccurrences(of: "web", with: "evil"))
        try FileManager.default.createSymbolicLink(atPath: repo.path.appendingPathComponent("apps/evil").path,
                                                   withDestinationPath: outside.path.path)
        try FileManager.default.createSymbolicLink(atPath: repo.path.appendingPathComponent("capstan.yaml").path,
                                                   withDestinationPath: outside.path.appendingPathComponent("capstan.yaml").path)
        let commit = try repo.commit("links")
        for tree in [try GitRepository(path: repo.path).tree(at: commit) as any SourceTree, DirectoryTree(root: repo.path)] {
            let catalog = try await AppDiscovery.discover(in: tree)
            #expect(catalog.apps.map(\.spec.name) == ["web"])
            // The linked capstan.yaml is named, not read; on disk it is not even listed (links are not walked).
            #expect(catalog.diagnostics.map(\.description).allSatisfy {
                $0 == "capstan.yaml:1:1: capstan.yaml is a symbolic link; commit the file itself (Capstan never follows links)"
            })
        }
    }

    @Test func theDeployingEngineRefusesALinkedManifestToo() async throws {
        let (repo, commit) = try Self.repository("[secrets/passwd]")
        defer { repo.delete() }
        let loader = GitContextLoader(source: try GitRepository(path: repo.path), store: MemoryDeploymentStore(),
                                      checkoutRoot: repo.path.appendingPathComponent(".checkouts"))
        await #expect(throws: GitContextLoader.Failure.self) {
            try await loader.desired(configPath: "apps/web/capstan.yaml", at: commit)
        }
        do {
            _ = try await loader.desired(configPath: "apps/web/capstan.yaml", at: commit)
        } catch {
            #expect("\(error)" == "apps/web/capstan.yaml: manifests[0]: manifest path \"secrets/passwd\" goes through "
                + "apps/web/secrets, a symbolic link; Capstan never follows links")
        }
    }
}
