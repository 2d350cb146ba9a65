import CapstanConfig
public import CapstanCore
import CapstanGit

extension RepositoryReconciler {
    /// Records a deployment of `name` at `revision` (a commit id, branch or tag; nil: the watched branch's
    /// head) because someone asked (trigger `manual`), after fetching. Returns nil when this repository has
    /// no such application at that commit.
    public func sync(app name: String, revision: String?, by actor: String) async throws -> DeploymentID? {
        do {
            _ = try await source.fetch(timeout: fetchTimeout)
        } catch {
            throw StoreError.unavailable("cannot fetch repository \(repository.name): \(error)")
        }
        let commit: CommitID
        do {
            commit = try await source.resolve(revision ?? repository.branch)
        } catch {
            throw StoreError.notFound("no commit \(revision ?? repository.branch) in repository \(repository.name): \(error)")
        }
        let tree = source.tree(at: commit)
        let catalog = try await AppDiscovery.discover(in: tree)
        guard let app = catalog.apps.first(where: { $0.spec.name == name }) else { return nil }
        let manifests = try await AppDiscovery.manifests(of: app, in: tree, catalog: catalog)
        guard manifests.diagnostics.isEmpty else {
            throw StoreError.conflict("\(name) at \(commit.short) has an invalid config: "
                + manifests.diagnostics.map(\.description).joined(separator: "; "))
        }
        return try await createDeployment(app, record: try await store.app(name), head: commit,
                                          reasons: ["synced by \(actor)"], trigger: .manual)
    }
}
