public import ArgumentParser
import CapstanCore
import CapstanServer
import Foundation

extension Capstan.DeploymentCommand {
    /// `capstan deployment logs ID [--stage N] [--follow]`: the log lines of a deployment's stages.
    public struct Logs: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Print the log lines of a deployment's stages; --follow waits for new ones until it ends.",
            discussion: """
                Lines print as `HH:MM:SS.mmm [stage N KIND] level message` (UTC), stage after stage in index \
                order, or only --stage N's. With --follow the server is asked every --interval seconds until \
                the deployment reaches a final state; the command then prints what is left and exits 0. \
                --output json prints one object per line, yaml one document per line. Exits 1 when there is no \
                such deployment or stage, 2 when the server cannot be reached.
                """
        )

        @Argument(help: "The deployment's id (d-…).") var id: String
        @Option(help: "Only this stage (its index, as `capstan deployment get` shows it).") var stage: Int?
        @Flag(help: "Keep printing new lines until the deployment ends.") var follow = false
        @Option(help: "Seconds between polls with --follow.") var interval: Double = 1
        @OptionGroup var options: ServerOptions

        public init() {}

        /// Lines asked for per request.
        static let page = 1000

        public func validate() throws {
            if let stage, stage < 0 { throw ValidationError("--stage must be 0 or more") }
            guard interval > 0, interval <= 3600 else { throw ValidationError("--interval must be above 0 and at most 3600") }
        }

        /// Runs the command; returns its exit status.
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan deployment logs", console: console) { client in
                let indices: [Int]
                if let stage {
                    indices = [stage]
                } else {
                    let deployment = try await client.get(["api", "v1", "deployments", id], as: DeploymentDetailView.self)
                    indices = deployment.stages.map(\.index)
                }
                var cursors: [Int: Int64] = [:]
                var ended = false
                while true {
                    var state: DeploymentState?
                    for index in indices {
                        state = try await drain(index, from: &cursors, client: client, console: console)
                    }
                    // After the deployment ends, one more pass (an interval later) picks up the lines that
                    // were still being written when it ended.
                    if !follow || ended || state == nil { return }
                    ended = state?.isFinal == true
                    try await Task.sleep(for: .seconds(interval))
                }
            }
        }

        /// Prints every line of stage `index` after its cursor; returns the deployment's state.
        private func drain(_ index: Int, from cursors: inout [Int: Int64], client: ServerClient, console: Console)
            async throws -> DeploymentState {
            while true {
                let page = try await client.get(
                    ["api", "v1", "deployments", id, "stages", String(index), "logs"],
                    query: [("after", String(cursors[index] ?? 0)), ("limit", String(Self.page))], as: StageLogsView.self)
                for line in page.lines { console.out(try text(line, of: page)) }
                cursors[index] = page.next
                if page.lines.count < Self.page { return page.deploymentState }
            }
        }

        private func text(_ line: LogLineView, of page: StageLogsView) throws -> String {
            switch options.output {
            case .table:
                return "\(ClockText.time(line.time.date, milliseconds: true)) [stage \(page.stage) \(page.kind.rawValue)] "
                    + "\(line.level) \(line.message)"
            case .json:
                return String(decoding: try APIJSON.encoder().encode(LogRecord(line, of: page)), as: UTF8.self)
            case .yaml:
                return "---\n" + (try OutputRenderer.yaml(LogRecord(line, of: page)))
            }
        }
    }
}

/// One log line with its stage, as `--output json|yaml` prints it.
struct LogRecord: Encodable {
    let deployment: DeploymentID
    let stage: Int
    let kind: StageKind
    let sequence: Int64
    let time: Timestamp
    let level: String
    let message: String

    init(_ line: LogLineView, of page: StageLogsView) {
        deployment = page.deployment
        stage = page.stage
        kind = page.kind
        sequence = line.sequence
        time = line.time
        level = line.level
        message = line.message
    }
}
