public import CapstanCore

/// Syncs asked for by CI (`POST /apps/{name}/sync`) and refreshes asked for by Git hosts (webhooks).
extension Controller: SyncCommands {
    public func sync(app: String, commit: String?, by actor: String) async throws -> Deployment {
        // The application's repository when it is known; else every repository, in order, may hold it.
        let known = try await store.app(app)?.repository
        let candidates = reconcilers.filter { known == nil || $0.repository.name == known }
        for reconciler in candidates {
            guard let id = try await reconciler.sync(app: app, revision: commit, by: actor) else { continue }
            wakeDispatcher()
            guard let deployment = try await store.deployment(id) else { throw StoreError.notFound("deployment \(id)") }
            return deployment
        }
        throw StoreError.notFound("no application \(app) in " + (known.map { "repository \($0)" } ?? "any watched repository"))
    }

    public func refresh(repositories: [String]) async {
        for name in repositories { triggers[name]?.fire() }
    }
}
