public import ArgumentParser
import CapstanCore
import CapstanServer
import Foundation

extension Capstan.DeploymentCommand {
    /// `capstan deployment rollback ID`: all traffic back to the previous version; the deployment ends FAILURE.
    public struct Rollback: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Roll a running deployment back: all traffic returns to the previous version.",
            discussion: """
                The server records the rollback and answers at once; its ROLLBACK stage then runs (follow it \
                with `capstan deployment logs ID --follow`) and the deployment ends FAILURE. Only a RUNNING \
                deployment can be rolled back. \(tokenNote("deployer")) Exits 1 when the server refuses (no such \
                deployment, not running, no token or not the role), 2 when it cannot be reached or accepts no \
                commands.
                """
        )

        @Argument(help: "The deployment's id (d-…).") var id: String
        @OptionGroup var options: ServerOptions

        public init() {}

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan deployment rollback", console: console) { client in
                let deployment = try await client.post(["api", "v1", "deployments", id, "rollback"], body: CommandBody?.none,
                                                       as: DeploymentView.self)
                try OutputRenderer.write(deployment, as: options.output, to: console) {
                    CommandReport.lines(deployment, rollbackAsked: true)
                }
            }
        }
    }

    /// `capstan deployment cancel ID [--no-rollback]`: stop a deployment, rolling it back first unless told not to.
    public struct Cancel: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Cancel a deployment; unless --no-rollback, traffic returns to the previous version first.",
            discussion: """
                A deployment that has not started just ends CANCELLED. A running one runs its ROLLBACK stage \
                first and then ends CANCELLED; with --no-rollback it stops at once and its variants (and traffic \
                weights) stay exactly as they are. \(tokenNote("deployer")) Exits 1 when the server refuses (no \
                such deployment, already ended, no token or not the role), 2 when it cannot be reached or \
                accepts no commands.
                """
        )

        @Argument(help: "The deployment's id (d-…).") var id: String
        @Flag(inversion: .prefixedNo, help: "Return traffic to the previous version before it ends (the default).")
        var rollback = true
        @OptionGroup var options: ServerOptions

        public init() {}

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan deployment cancel", console: console) { client in
                let deployment = try await client.post(["api", "v1", "deployments", id, "cancel"],
                                                       body: CommandBody(rollback: rollback), as: DeploymentView.self)
                try OutputRenderer.write(deployment, as: options.output, to: console) {
                    CommandReport.lines(deployment, rollbackAsked: rollback)
                }
            }
        }
    }
}

extension Capstan.DeploymentCommand {
    /// `capstan deployment approve ID`: approve the WAIT_APPROVAL stage running now.
    public struct Approve: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Approve the deployment's WAIT_APPROVAL stage that is running now.",
            discussion: """
                The approval is recorded under the token's name; the stage goes on once it has as many \
                approvals (from different names) as it asks for. If the stage names its approvers, the token's \
                name or one of its roles (role:NAME) must be among them. \(tokenNote("approver")) Exits 1 when \
                the server refuses (no such deployment, no stage waiting, not an approver, no token or not the \
                role), 2 when it cannot be reached or accepts no commands.
                """
        )

        @Argument(help: "The deployment's id (d-…).") var id: String
        @OptionGroup var options: ServerOptions

        public init() {}

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan deployment approve", console: console) { client in
                let deployment = try await client.post(["api", "v1", "deployments", id, "approve"], body: CommandBody?.none,
                                                       as: DeploymentView.self)
                try OutputRenderer.write(deployment, as: options.output, to: console) {
                    ["\(deployment.id) (\(deployment.app)): approval recorded; its WAIT_APPROVAL stage goes on once it has "
                        + "the approvals it asks for",
                     "Follow it with: capstan deployment logs \(deployment.id) --follow"]
                }
            }
        }
    }

    /// `capstan deployment skip-stage ID`: end the running stage as SKIPPED and go on with the next.
    public struct SkipStage: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            commandName: "skip-stage",
            abstract: "Skip the stage running now: it ends SKIPPED and the next one starts.",
            discussion: """
                For a wait that is no longer needed. Skipping a WAIT_APPROVAL stage passes its gate, so it \
                also needs the approver role and a place among the stage's approvers. \(tokenNote("deployer")) \
                Exits 1 when the server refuses (no such deployment, nothing running, no token or not the \
                role), 2 when it cannot be reached or accepts no commands.
                """
        )

        @Argument(help: "The deployment's id (d-…).") var id: String
        @OptionGroup var options: ServerOptions

        public init() {}

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan deployment skip-stage", console: console) { client in
                let deployment = try await client.post(["api", "v1", "deployments", id, "skip-stage"],
                                                       body: CommandBody?.none, as: DeploymentView.self)
                try OutputRenderer.write(deployment, as: options.output, to: console) {
                    ["\(deployment.id) (\(deployment.app)) is \(deployment.state.rawValue): the stage that was running is "
                        + "skipped; the next one starts",
                     "Follow it with: capstan deployment logs \(deployment.id) --follow"]
                }
            }
        }
    }
}

/// What every command's help says about tokens.
func tokenNote(_ role: String) -> String {
    "On a server with auth it needs a token with the \(role) role (--token or CAPSTAN_TOKEN); without auth the server "
        + "takes commands only from its own machine."
}

/// The body of `POST /deployments/{id}/cancel`.
struct CommandBody: Encodable, Sendable {
    let rollback: Bool
}

/// What a rollback or cancel did, in words: the state it left the deployment in and what happens next.
enum CommandReport {
    static func lines(_ deployment: DeploymentView, rollbackAsked: Bool) -> [String] {
        let head = "\(deployment.id) (\(deployment.app)) is \(deployment.state.rawValue)"
            + (deployment.reason.map { ": \($0)" } ?? "")
        let previous = deployment.previousCommit.map { "the previous version (\($0.short))" } ?? "the previous version"
        switch deployment.state {
        case .rollingBack:
            let end = deployment.reason?.hasPrefix("cancelled") == true ? "CANCELLED" : "FAILURE"
            return [head, "Its ROLLBACK stage now returns all traffic to \(previous); then it ends \(end).",
                    "Follow it with: capstan deployment logs \(deployment.id) --follow"]
        case .cancelled where !rollbackAsked:
            return [head, "No rollback ran: its variants and traffic weights are left exactly as they are."]
        case .cancelled:
            return [head, "It had not started, so there was nothing to roll back."]
        default:
            return [head]
        }
    }
}
