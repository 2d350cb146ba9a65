import CapstanCore
import Foundation

/// The text of the event stream (the `text/event-stream` format of the HTML standard): one block per
/// event, `: comments` for the opening line and heartbeats, and a `stream.error` event before the server
/// ends a stream it cannot continue.
enum EventStreamFormat {
    /// The media type of the stream.
    static let contentType = "text/event-stream; charset=utf-8"
    /// The name of the event a stream ends with when the store fails; never an ``EventKind``.
    static let errorEvent = "stream.error"

    /// `id: 42`, `event: stage.state_changed`, `data: {…}` and the blank line that ends the event. The JSON
    /// is compact, so it is one line (string values escape their line breaks).
    static func event(_ event: Event) throws -> String {
        let json = String(decoding: try APIJSON.encoder().encode(EventView(event)), as: UTF8.self)
        return "id: \(event.sequence)\nevent: \(event.kind.rawValue)\ndata: \(json)\n\n"
    }

    /// The first line: says where the stream starts, and sends the response's head on its way at once.
    static func opening(after cursor: Int64) -> String {
        ": events after \(cursor)\n\n"
    }

    /// A comment that clients ignore; it only shows the connection is alive.
    static let heartbeat = ": heartbeat\n\n"

    /// The last event of a stream the server ends because it cannot go on (the store failed). It has no
    /// `id:`, so a client's Last-Event-ID stays the last real event and a reconnect resumes exactly.
    static func error(_ error: APIError) -> String {
        let body = (try? APIJSON.encoder().encode(ErrorBody(code: error.code, message: error.message)))
            .map { String(decoding: $0, as: UTF8.self) } ?? #"{"error":{"code":"internal","message":"internal error"}}"#
        return "event: \(errorEvent)\ndata: \(body)\n\n"
    }
}
