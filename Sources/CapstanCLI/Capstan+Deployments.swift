public import ArgumentParser
import CapstanCore
import CapstanServer
import Foundation

extension Capstan {
    /// `capstan deployments`: recent deployments, newest first.
    public struct Deployments: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "List deployments, newest first.",
            discussion: "Exits 2 when the server cannot be reached."
        )

        @Option(help: "Only this application's deployments.") var app: String?
        @Option(help: "Only deployments in this state (\(Self.states)).")
        var state: String?
        @Option(help: "At most this many (1–1000).") var limit: Int = 100
        @OptionGroup var options: ServerOptions

        public init() {}

        static let states = DeploymentState.allCases.map(\.rawValue).joined(separator: ", ")

        public func validate() throws {
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000") }
            if let state, deploymentState == nil { throw ValidationError("--state must be one of \(Self.states), not '\(state)'") }
        }

        private var deploymentState: DeploymentState? {
            state.flatMap { text in DeploymentState.allCases.first { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame } }
        }


        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan deployments", console: console) { client in
                let deployments = try await client.get(
                    ["api", "v1", "deployments"], query: [("app", app), ("state", deploymentState?.rawValue), ("limit", String(limit))],
                    as: [DeploymentView].self)
                try OutputRenderer.write(deployments, as: options.output, to: console) {
                    OutputRenderer.table(["ID", "APP", "STATE", "COMMIT", "TRIGGER", "STRATEGY", "CREATED", "REASON"],
                                         deployments.map {
                        [$0.id.rawValue, $0.app, $0.state.rawValue, $0.commit.short, $0.trigger.rawValue, $0.strategy.rawValue,
                         $0.createdAt.description, $0.reason ?? ""]
                    })
                }
            }
        }
    }

    /// `capstan deployment get|logs|rollback|cancel|approve|skip-stage ID`: one deployment.
    public struct DeploymentCommand: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "deployment",
            abstract: "Show, follow, roll back, cancel or approve one deployment, or skip its stage.",
            subcommands: [Get.self, Logs.self, Follow.self, Rollback.self, Cancel.self, Approve.self, SkipStage.self]
        )

        public init() {}

        /// `capstan deployment get ID`.
        public struct Get: ConsoleCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Show a deployment: its stages as a timeline, its approvals and events.",
                discussion: """
                    Each stage shows when it started (UTC), how long it took or has been running, what it does \
                    (traffic weights, replicas), its attempts when more than one, and why it failed. \
                    --output json or yaml prints the API's view, stage options included. \
                    Exits 1 when there is no such deployment, 2 when the server cannot be reached.
                    """
            )

            @Argument(help: "The deployment's id (d-…).") var id: String
            @OptionGroup var options: ServerOptions

            public init() {}


            /// Runs the command; returns its exit status.
            public func execute(console: Console) async -> Int32 {
                await options.run("capstan deployment get", console: console) { client in
                    let deployment = try await client.get(["api", "v1", "deployments", id], as: DeploymentDetailView.self)
                    try OutputRenderer.write(deployment, as: options.output, to: console) {
                        Self.table(deployment, now: console.now())
                    }
                }
            }

            static func table(_ deployment: DeploymentDetailView, now: Date) -> [String] {
                var lines = OutputRenderer.fields([
                    ("ID", deployment.id.rawValue), ("App", deployment.app), ("State", deployment.state.rawValue),
                    ("Commit", deployment.commit.hex), ("Previous", deployment.previousCommit.cell),
                    ("Trigger", deployment.trigger.rawValue), ("Strategy", deployment.strategy.rawValue),
                    ("Reason", deployment.reason ?? "-"), ("Created", deployment.createdAt.description),
                    ("Updated", deployment.updatedAt.description),
                ])
                if !deployment.stages.isEmpty {
                    lines += [""] + StageTimeline.lines(deployment.stages, now: now)
                    let analyses = StageTimeline.analysisLines(deployment.stages)
                    if !analyses.isEmpty { lines += [""] + analyses }
                }
                if !deployment.approvals.isEmpty {
                    lines += [""] + deployment.approvals.map { "Approved stage \($0.stageIndex) by \($0.approver) at \($0.at)" }
                }
                if !deployment.events.isEmpty {
                    lines += [""] + deployment.events.map(EventLine.init).map(\.text)
                }
                return lines
            }
        }
    }
}
