import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Swift plugin's side of the pipes: stdin read on a thread of its own, stdout written a whole line at a time.
enum StandardStreams {
    /// Serializes writers, so that lines from concurrent requests never interleave. The write
    /// blocks only while the pipe is full, and the host drains it on a thread of its own.
    private static let stdoutLock = Mutex(())

    static let writeStdout: @Sendable (Data) -> Void = { line in
        stdoutLock.withLock { _ in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return // The host is gone; the next read of stdin ends the server.
                    }
                    offset += written
                }
            }
        }
    }

    /// Lines of stdin, read by a dedicated thread (a blocking read must not hold the cooperative pool).
    static func stdinLines(maxLineBytes: Int) -> AsyncStream<LineFramer.Event> {
        let (stream, continuation) = AsyncStream.makeStream(of: LineFramer.Event.self)
        let thread = Thread {
            var framer = LineFramer(maxLineBytes: maxLineBytes)
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                for event in framer.append(buffer[0..<count]) { continuation.yield(event) }
            }
            for event in framer.finish() { continuation.yield(event) }
            continuation.finish()
        }
        thread.name = "capstan-plugin-stdin"
        thread.start()
        return stream
    }

    /// Writes one line to stderr: the plugin's log, which the host files under the plugin's name.
    static func writeStderr(_ message: String) {
        let line = Data((message + "\n").utf8)
        line.withUnsafeBytes { bytes in _ = write(STDERR_FILENO, bytes.baseAddress, bytes.count) }
    }
}

/// A Swift plugin's own log: stderr, which the host files under the plugin's name.
public enum PluginLog {
    /// Writes `message` as one line to stderr.
    public static func write(_ message: String) {
        StandardStreams.writeStderr(message)
    }
}
