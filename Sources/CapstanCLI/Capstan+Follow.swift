public import ArgumentParser
import CapstanCore
import CapstanServer
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Capstan.DeploymentCommand {
    /// `capstan deployment follow ID | --latest APP [--new]`: a live view of a deployment until it ends; exits
    /// with its outcome.
    public struct Follow: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Follow a deployment live until it ends; exit with its outcome.",
            discussion: """
                Shows one row per stage — state, elapsed time, traffic weights — redrawn in place as events \
                arrive on a terminal, one line per change otherwise (--output json|yaml: the deployment's \
                events, one per line or document). A dropped connection is resumed where it left off. \
                --latest APP follows APP's newest deployment; with --new, one created after the command \
                started (waiting up to --wait seconds). In CI, follow the id the sync printed: \
                id=$(capstan app sync APP --quiet) && capstan deployment follow "$id". \
                Exits 0 when the deployment succeeds, 1 when it fails (rolled back), 2 when it is cancelled, \
                3 when it cannot be followed (no such deployment, no new one within --wait, server \
                unreachable or refusing).
                """
        )

        /// Exit statuses: the outcome, or 3 when the deployment could not be followed to its end.
        static let exitStatus: [DeploymentState: Int32] = [.success: 0, .failure: 1, .cancelled: 2]
        static let cannotFollow: Int32 = 3

        @Argument(help: "The deployment's id (d-…).") var id: String?
        @Option(help: "Follow this application's newest deployment instead of an id.") var latest: String?
        @Flag(help: "With --latest: wait for a deployment created after the command started.") var new = false
        @Option(help: "With --new: seconds to wait for it.") var wait: Double = 300
        @Option(help: "Seconds to keep trying to reconnect a dropped stream.") var retryFor: Double = 30
        @OptionGroup var options: ServerOptions

        public init() {}

        public func validate() throws {
            guard (id == nil) != (latest == nil) else { throw ValidationError("give a deployment id or --latest APP (not both)") }
            if new, latest == nil { throw ValidationError("--new goes with --latest APP") }
            guard wait > 0, wait <= 86_400 else { throw ValidationError("--wait must be above 0 and at most 86400") }
            guard retryFor >= 0, retryFor <= 86_400 else { throw ValidationError("--retry-for must be from 0 to 86400") }
        }

        /// Draws in place when standard output is a terminal.
        public func run() async throws {
            let status = await execute(console: .standard(), terminal: isatty(STDOUT_FILENO) == 1)
            if status != 0 { throw ExitCode(status) }
        }

        /// Runs the command as if standard output were not a terminal: a line per change.
        public func execute(console: Console) async -> Int32 {
            await execute(console: console, terminal: false)
        }

        /// Runs the command; `terminal` redraws the view in place. Returns the exit status.
        func execute(console: Console, terminal: Bool) async -> Int32 {
            var outcome: DeploymentState?
            let status = await options.run("capstan deployment follow", console: console) { client in
                let id = try await resolve(client, console: console)
                outcome = try await follow(id, client: client, console: console, terminal: terminal)
            }
            guard status == 0, let outcome else { return Self.cannotFollow }
            return Self.exitStatus[outcome] ?? Self.cannotFollow
        }

        /// The id given, or APP's newest deployment (with --new: the first one newer than what was newest when
        /// the command started — compared by id, not by clocks, which may differ between here and the server).
        private func resolve(_ client: ServerClient, console: Console) async throws -> DeploymentID {
            if let id { return DeploymentID(rawValue: id) }
            let app = latest ?? ""
            let newest = try await self.newest(app, client)
            if !new {
                guard let newest else { throw FollowError("\(app) has no deployments yet; use --new to wait for one") }
                return newest
            }
            // On standard error, so that a CI log shows what the job waits for while standard output stays the view.
            console.err("capstan deployment follow: waiting up to \(ClockText.elapsed(wait)) for a deployment of \(app) "
                + "newer than \(newest?.rawValue ?? "none")")
            let clock = ContinuousClock()
            let deadline = clock.now + .milliseconds(Int64(wait * 1000))
            while clock.now < deadline {
                try await Task.sleep(for: .milliseconds(250))
                if let found = try await self.newest(app, client), found != newest { return found }
            }
            throw FollowError("no new deployment of \(app) within \(ClockText.elapsed(wait))")
        }

        private func newest(_ app: String, _ client: ServerClient) async throws -> DeploymentID? {
            try await client.get(["api", "v1", "deployments"], query: [("app", app), ("limit", "1")],
                                 as: [DeploymentView].self).first?.id
        }

        /// Shows the deployment and its changes until it ends; returns its outcome.
        private func follow(_ id: DeploymentID, client: ServerClient, console: Console, terminal: Bool) async throws
            -> DeploymentState {
            let detail = try await client.get(["api", "v1", "deployments", id.rawValue], as: DeploymentDetailView.self)
            var followed = FollowedDeployment(detail)
            var screen = TerminalDrawing(columns: terminal ? Self.columns() : nil)
            let show = { (followed: FollowedDeployment, change: FollowedDeployment.Change) throws in
                switch options.output {
                case .json, .yaml: break
                case .table where terminal:
                    if let text = screen.redraw(followed.view(now: console.now())) { console.out(text) }
                case .table:
                    if case .lines(let lines) = change { lines.forEach(console.out) }
                }
            }
            switch options.output {
            case .table where !terminal: followed.view(now: console.now()).forEach(console.out)
            case .table: try show(followed, FollowedDeployment.Change.none)
            case .json, .yaml: try detail.events.forEach { console.out(try line($0)) }
            }
            if let outcome = followed.outcome { return outcome }

            let stream = EventStreamClient(server: client.server, token: client.token, filters: [("deployment", id.rawValue)],
                                           retryFor: .milliseconds(Int64(retryFor * 1000)))
            let (updates, sink) = AsyncStream.makeStream(of: Update.self)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    defer { sink.finish() }
                    try await stream.follow(after: detail.events.map(\.sequence).max() ?? 0) { event in
                        sink.yield(.event(event))
                        return .more
                    }
                }
                if terminal {
                    // Elapsed times move on between events.
                    group.addTask {
                        while !Task.isCancelled {
                            try? await Task.sleep(for: .seconds(1))
                            sink.yield(.tick)
                        }
                    }
                }
                for await update in updates {
                    var change = FollowedDeployment.Change.none
                    if case .event(let event) = update {
                        if options.output != .table { console.out(try line(event)) }
                        change = followed.apply(event)
                        if change == .reload {
                            followed = FollowedDeployment(
                                try await client.get(["api", "v1", "deployments", id.rawValue], as: DeploymentDetailView.self))
                        }
                    }
                    try show(followed, change)
                    if let outcome = followed.outcome {
                        group.cancelAll()
                        return outcome
                    }
                }
                // The stream gave up: its error says why. The ticks would go on for ever (waitForAll waits for
                // every child, even after one threw), so they stop first.
                group.cancelAll()
                try await group.waitForAll()
                throw FollowError("the event stream ended before \(id) did")
            }
        }

        private enum Update: Sendable {
            case event(EventView)
            case tick
        }

        private func line(_ event: EventView) throws -> String {
            switch options.output {
            case .table: EventLine(event).text
            case .json: String(decoding: try APIJSON.encoder().encode(event), as: UTF8.self)
            case .yaml: "---\n" + (try OutputRenderer.yaml(event))
            }
        }

        /// The terminal's width, when standard output is one.
        private static func columns() -> Int? {
            var size = winsize()
            guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
            return Int(size.ws_col)
        }
    }
}

/// Why a deployment could not be followed, for people.
struct FollowError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
