import Hummingbird

extension CapstanAPI {
    /// The command routes, all `POST`; anything else on them is a 405.
    static let commandPaths = ["/api/v1/apps/{name}/sync"]
        + CommandHandlers.Command.allCases.map { "/api/v1/deployments/{id}/\($0.rawValue)" }

    /// Adds the command routes to `router`.
    static func addCommands<Context: RequestContext>(to router: Router<Context>, handlers: CommandHandlers) {
        router.post(RouterPath(PathTemplate("/api/v1/apps/{name}/sync").routerPath)) { request, context in
            try await handlers.sync(app: try parameter("name", context), request, context: context)
        }
        for command in CommandHandlers.Command.allCases {
            router.post(RouterPath(PathTemplate("/api/v1/deployments/{id}/\(command.rawValue)").routerPath)) { request, context in
                try await handlers.deployment(command, id: try parameter("id", context), request, context: context)
            }
        }
    }
}
