public import CapstanCore

/// Routes each deployment to the context loader of the repository its application comes from.
public struct RepositoryContextLoader: DeploymentContextLoader {
    let loaders: [String: any DeploymentContextLoader]
    let store: any DeploymentStore

    /// `loaders` maps a repository name (as in the server config) to its loader.
    public init(loaders: [String: any DeploymentContextLoader], store: any DeploymentStore) {
        self.loaders = loaders
        self.store = store
    }

    public func context(for deployment: Deployment) async throws -> DeploymentContext {
        guard let record = try await store.app(deployment.app) else {
            throw GitContextLoader.Failure(description: "no record of application \(deployment.app)")
        }
        guard let loader = loaders[record.repository] else {
            throw GitContextLoader.Failure(
                description: "repository \"\(record.repository)\" of \(deployment.app) is not in the server config")
        }
        return try await loader.context(for: deployment)
    }
}
