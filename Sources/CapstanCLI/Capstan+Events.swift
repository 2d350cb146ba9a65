public import ArgumentParser
import CapstanCore
import CapstanServer
import Foundation

extension Capstan {
    /// `capstan events`: the server's event log, from a sequence on; `--follow` streams new ones as they come.
    public struct Events: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Print the server's events, oldest first; --follow waits for new ones.",
            discussion: """
                Every event has a global sequence number: pass the last one you saw as --after to resume. \
                With --follow the server's event stream pushes each new event as it is recorded, until \
                interrupted (or until --max-events have been printed); a dropped stream is reconnected where \
                it left off, so no event is missed or printed twice. JSON is then printed one object per \
                line, YAML one document per event. --app and --deployment narrow the events. Exits 2 when \
                the server cannot be reached (with --follow: for --retry-for seconds).
                """
        )

        @Option(help: "Only events after this sequence number (0: from the first).") var after: Int64 = 0
        @Option(help: "Events per request (1–1000).") var limit: Int = 100
        @Flag(help: "Keep printing new events as they come, until interrupted.") var follow = false
        @Option(help: "Stop after printing this many events.") var maxEvents: Int?
        @Option(help: "Only this application's events.") var app: String?
        @Option(help: "Only this deployment's events.") var deployment: String?
        @Option(help: "With --follow: seconds to keep trying to reconnect a dropped stream.") var retryFor: Double = 30
        @Option(help: .hidden) var interval: Double = 1
        @OptionGroup var options: ServerOptions

        public init() {}

        public func validate() throws {
            guard after >= 0 else { throw ValidationError("--after must be 0 or more") }
            guard (1...1000).contains(limit) else { throw ValidationError("--limit must be from 1 to 1000") }
            if let maxEvents, maxEvents < 1 { throw ValidationError("--max-events must be 1 or more") }
            guard retryFor >= 0, retryFor <= 86_400 else { throw ValidationError("--retry-for must be from 0 to 86400") }
            if !follow, app != nil || deployment != nil {
                throw ValidationError("--app and --deployment narrow --follow; without it, use `capstan deployment get`")
            }
        }


        /// Runs the command; returns its exit status (following ends only at --max-events, an error or cancellation).
        public func execute(console: Console) async -> Int32 {
            await options.run("capstan events", console: console) { client in
                if follow { try await self.follow(client, console: console) } else { try await list(client, console: console) }
            }
        }

        private func list(_ client: ServerClient, console: Console) async throws {
            let count = min(limit, maxEvents ?? limit)
            let events = try await page(client, after: after, limit: count)
            try OutputRenderer.write(events, as: options.output, to: console) { events.map { EventLine($0).text } }
        }

        /// Streams events after --after (reconnecting as needed) until --max-events or an error.
        private func follow(_ client: ServerClient, console: Console) async throws {
            let stream = EventStreamClient(server: client.server, token: client.token, filters: [("app", app), ("deployment", deployment)],
                                           retryFor: .milliseconds(Int64(retryFor * 1000)))
            try await stream.follow(after: after, limit: maxEvents) { event in
                console.out(try line(event))
                return .more
            }
        }

        private func page(_ client: ServerClient, after: Int64, limit: Int) async throws -> [EventView] {
            try await client.get(["api", "v1", "events"], query: [("after", String(after)), ("limit", String(limit))],
                                 as: [EventView].self)
        }

        /// One event as a streamed line (table), object (JSON Lines) or document (YAML).
        private func line(_ event: EventView) throws -> String {
            switch options.output {
            case .table: EventLine(event).text
            case .json: String(decoding: try APIJSON.encoder().encode(event), as: UTF8.self)
            case .yaml: "---\n" + (try OutputRenderer.yaml(event))
            }
        }
    }
}

/// An event on one line for people: `    12  2025-03-01T12:00:00.250000Z  stage.log  checkout  d-0004/0  message`.
struct EventLine {
    let text: String

    init(_ event: EventView) {
        let sequence = String(event.sequence)
        let kind = event.kind.rawValue.padding(toLength: 24, withPad: " ", startingAt: 0)
        let deployment = event.deployment.map { id in event.stageIndex.map { "\(id)/\($0)" } ?? id.rawValue } ?? "-"
        text = String(repeating: " ", count: max(0, 6 - sequence.count)) + sequence + "  \(event.at)  \(kind)  "
            + "\(event.app ?? "-")  \(deployment)  \(event.message)"
    }
}
