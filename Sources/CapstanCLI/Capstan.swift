public import ArgumentParser

/// The `capstan` command: GitOps continuous delivery from the command line.
public struct Capstan: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "capstan",
        abstract: "GitOps continuous delivery: from a commit to a live, verified release.",
        subcommands: [
            Validate.self, Plan.self, Serve.self, Apps.self, AppCommand.self, Deployments.self, DeploymentCommand.self,
            Events.self, Judge.self, Token.self, Version.self,
        ]
    )

    public init() {}
}

extension Capstan {
    /// Entry point of the `capstan` executable: parses the arguments and runs the subcommand.
    public static func start() async {
        await main()
    }
}
