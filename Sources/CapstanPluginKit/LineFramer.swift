public import Foundation

/// Splits a byte stream into newline-delimited lines, however the reads happen to cut it.
///
/// Pure and synchronous so that framing is tested without processes: feed it what `read(2)`
/// returned, get back the complete lines. A line longer than `maxLineBytes` is not buffered:
/// it is reported once as ``Event/tooLong(bytes:)`` and skipped up to its newline, so a runaway
/// plugin costs at most `maxLineBytes` of memory and never takes the host down.
public struct LineFramer: Sendable {
    /// What one chunk of input produced.
    public enum Event: Sendable, Hashable {
        /// A complete line, without its `\n` (and without a `\r` before it).
        case line(Data)
        /// A line went over the limit; `bytes` is how much of it had arrived when it was dropped.
        case tooLong(bytes: Int)
    }

    /// The longest line kept, in bytes, newline excluded.
    public let maxLineBytes: Int
    private var buffer = Data()
    /// True while skipping the rest of an over-long line.
    private var discarding = false

    public init(maxLineBytes: Int) {
        precondition(maxLineBytes > 0, "maxLineBytes must be positive")
        self.maxLineBytes = maxLineBytes
    }

    /// Adds `chunk` and returns every line it completed, in order.
    public mutating func append(_ chunk: some DataProtocol) -> [Event] {
        var events: [Event] = []
        var rest = chunk[...]
        while !rest.isEmpty {
            guard let newline = rest.firstIndex(of: UInt8(ascii: "\n")) else {
                take(rest, into: &events)
                break
            }
            take(rest[..<newline], into: &events)
            if discarding {
                discarding = false
            } else {
                events.append(.line(Self.trimmingCarriageReturn(buffer)))
            }
            buffer.removeAll(keepingCapacity: true)
            rest = rest[rest.index(after: newline)...]
        }
        return events
    }

    /// Called at end of input: a last line without a newline still counts.
    public mutating func finish() -> [Event] {
        defer {
            buffer = Data()
            discarding = false
        }
        guard !discarding, !buffer.isEmpty else { return [] }
        return [.line(Self.trimmingCarriageReturn(buffer))]
    }

    private mutating func take(_ bytes: some DataProtocol, into events: inout [Event]) {
        guard !discarding else { return }
        if buffer.count + bytes.count > maxLineBytes {
            events.append(.tooLong(bytes: buffer.count + bytes.count))
            buffer.removeAll(keepingCapacity: false)
            discarding = true
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    private static func trimmingCarriageReturn(_ line: Data) -> Data {
        line.last == UInt8(ascii: "\r") ? Data(line.dropLast()) : Data(line)
    }
}
