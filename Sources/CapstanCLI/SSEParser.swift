/// One message of a `text/event-stream`: what a blank line dispatches.
struct SSEMessage: Sendable, Hashable {
    /// The `id:` in force when it was dispatched (the stream's last event id); nil before any.
    var id: String?
    /// The `event:` field; `message` when the server gave none.
    var event: String
    /// The `data:` lines, joined with line feeds.
    var data: String
}

/// Splits a `text/event-stream` into messages as the HTML standard says: lines end with CR LF, LF or CR (even
/// across chunks), `:` starts a comment, `field: value` loses one space after the colon, a blank line
/// dispatches, and a block without `data:` dispatches nothing.
///
/// Pure: bytes in, messages out, so tests feed it byte by byte.
struct SSEParser {
    private var line: [UInt8] = []
    /// The previous chunk ended with CR: a LF starting this one belongs to it.
    private var afterCR = false
    private var eventType = ""
    private var data: [String] = []
    private var sawData = false
    private var started = false
    /// The last `id:` seen (kept across messages, as browsers do).
    private(set) var lastEventID: String?
    /// Comments seen so far (heartbeats), so a caller can tell a quiet stream from a dead one.
    private(set) var comments = 0

    /// Consumes `bytes`; returns the messages they complete.
    mutating func feed(_ bytes: some Sequence<UInt8>) -> [SSEMessage] {
        var messages: [SSEMessage] = []
        for byte in bytes {
            if afterCR {
                afterCR = false
                if byte == 0x0A { continue }
            }
            switch byte {
            case 0x0A:
                if let message = endLine() { messages.append(message) }
            case 0x0D:
                afterCR = true
                if let message = endLine() { messages.append(message) }
            default:
                line.append(byte)
            }
        }
        return messages
    }

    private mutating func endLine() -> SSEMessage? {
        var bytes = line[...]
        line.removeAll(keepingCapacity: true)
        if !started {
            started = true
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        }
        if bytes.isEmpty { return dispatch() }
        if bytes.first == UInt8(ascii: ":") {
            comments += 1
            return nil
        }
        let field: String, value: String
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            field = String(decoding: bytes[..<colon], as: UTF8.self)
            var rest = bytes[(colon + 1)...]
            if rest.first == UInt8(ascii: " ") { rest = rest.dropFirst() }
            value = String(decoding: rest, as: UTF8.self)
        } else {
            field = String(decoding: bytes, as: UTF8.self)
            value = ""
        }
        switch field {
        case "event": eventType = value
        case "data":
            data.append(value)
            sawData = true
        case "id" where !value.contains("\0"): lastEventID = value
        default: break  // retry and unknown fields
        }
        return nil
    }

    private mutating func dispatch() -> SSEMessage? {
        defer {
            eventType = ""
            data.removeAll()
            sawData = false
        }
        guard sawData else { return nil }
        return SSEMessage(id: lastEventID, event: eventType.isEmpty ? "message" : eventType,
                          data: data.joined(separator: "\n"))
    }
}
