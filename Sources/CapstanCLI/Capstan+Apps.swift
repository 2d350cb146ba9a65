public import ArgumentParser
import CapstanCore
import CapstanServer
import Foundation

extension Capstan {
    /// `capstan apps`: every application the server knows, with its sync status and live commit.
    public struct Apps: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "List the applications a Capstan server manages.",
            discussion: "Exits 2 when the server cannot be reached."
        )

        @OptionGroup var options: ServerOptions

        public init() {}


        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan apps", console: console) { client in
                let apps = try await client.get(["api", "v1", "apps"], as: [AppView].self)
                try OutputRenderer.write(apps, as: options.output, to: console) {
                    OutputRenderer.table(["NAME", "STATUS", "LIVE", "UPDATED", "SUMMARY"], apps.map {
                        [$0.name, $0.status.rawValue, $0.liveCommit?.short ?? "-", $0.updatedAt.description, $0.summary ?? ""]
                    })
                }
            }
        }
    }

    /// `capstan app get|diff|sync NAME`: one application.
    public struct AppCommand: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "app",
            abstract: "Show or sync one application.",
            subcommands: [Get.self, Diff.self, Sync.self]
        )

        public init() {}

        /// `capstan app get NAME`: status, live commit, the desired-vs-live diff and the last deployment.
        public struct Get: ConsoleCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Show an application's status, diff and last deployment.",
                discussion: "Exits 1 when there is no such application, 2 when the server cannot be reached."
            )

            @Argument(help: "The application's name.") var name: String
            @OptionGroup var options: ServerOptions

            public init() {}


            /// Runs the command; returns its exit status.
            public func execute(console: Console) async -> Int32 {
                await options.run("capstan app get", console: console) { client in
                    let app = try await client.get(["api", "v1", "apps", name], as: AppDetailView.self)
                    try OutputRenderer.write(app, as: options.output, to: console) { Self.table(app) }
                }
            }

            static func table(_ app: AppDetailView) -> [String] {
                let last = app.lastDeployment.map {
                    "\($0.id) \($0.state.rawValue) \($0.commit.short) (\($0.trigger.rawValue), \($0.createdAt))"
                }
                var lines = OutputRenderer.fields([
                    ("Name", app.name), ("Status", app.status.rawValue), ("Live commit", app.liveCommit.cell),
                    ("Repository", app.repository), ("Config", app.configPath), ("Summary", app.summary ?? "-"),
                    ("Updated", app.updatedAt.description), ("Last deployment", last ?? "-"),
                ])
                if !app.diff.isEmpty {
                    lines.append("Diff:")
                    lines += app.diff.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
                }
                return lines
            }
        }

        /// `capstan app diff NAME`: what differs between Git and the live state.
        public struct Diff: ConsoleCommand {
            public static let configuration = CommandConfiguration(
                abstract: "Show what differs between an application's desired (Git) and live state.",
                discussion: "Exits 1 when there is no such application, 2 when the server cannot be reached."
            )

            @Argument(help: "The application's name.") var name: String
            @OptionGroup var options: ServerOptions

            public init() {}


            /// Runs the command; returns its exit status.
            public func execute(console: Console) async -> Int32 {
                await options.run("capstan app diff", console: console) { client in
                    let diff = try await client.get(["api", "v1", "apps", name, "diff"], as: AppDiffView.self)
                    try OutputRenderer.write(diff, as: options.output, to: console) {
                        diff.diff.isEmpty ? ["\(diff.app): no difference known (\(diff.status.rawValue))"]
                            : diff.diff.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                    }
                }
            }
        }
    }
}

extension Capstan.AppCommand {
    /// `capstan app sync NAME [--commit SHA]`: deploy an application now.
    public struct Sync: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Deploy an application now: the head of its branch, or --commit.",
            discussion: """
                The server fetches the application's repository, records a manual deployment and answers at \
                once; follow it with `capstan deployment follow ID` (which exits with its outcome) or \
                `capstan deployment logs ID --follow`. \(tokenNote("deployer")) Exits 1 when the server refuses (no such application or \
                commit, no token or not the role), 2 when it cannot be reached or accepts no commands.
                """
        )

        @Argument(help: "The application's name.") var name: String
        @Option(help: "A commit id (full or short), branch or tag; default: the head of the watched branch.")
        var commit: String?
        @Flag(name: .shortAndLong, help: "Print only the new deployment's id (for scripts: id=$(capstan app sync APP -q)).")
        var quiet = false
        @OptionGroup var options: ServerOptions

        public init() {}

        public func validate() throws {
            if let commit, commit.trimmingCharacters(in: .whitespaces).isEmpty {
                throw ValidationError("--commit must not be empty")
            }
            if quiet, options.output != .table { throw ValidationError("--quiet prints the id alone; leave out --output") }
        }

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan app sync", console: console) { client in
                let deployment = try await client.post(["api", "v1", "apps", name, "sync"], body: commit.map(SyncBody.init),
                                                       as: DeploymentView.self)
                if quiet { return console.out(deployment.id.rawValue) }
                try OutputRenderer.write(deployment, as: options.output, to: console) {
                    ["\(deployment.id) (\(deployment.app)) is \(deployment.state.rawValue): deploying \(deployment.commit.short)",
                     "Follow it with: capstan deployment logs \(deployment.id) --follow"]
                }
            }
        }
    }
}

/// The body of `POST /apps/{name}/sync`.
struct SyncBody: Encodable, Sendable {
    let commit: String
}
