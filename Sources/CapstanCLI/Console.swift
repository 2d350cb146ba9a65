import Foundation

/// Where a command writes: straight to stdout/stderr, or into strings that tests read.
public final class Console: @unchecked Sendable {
    // @unchecked: a command runs on one task; the lock only guards captures read by tests afterwards.
    private let capture: Bool
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""

    /// Writes to the process's stdout and stderr.
    public static func standard() -> Console { Console(capture: false) }
    /// Keeps what is written, for tests.
    public static func capturing() -> Console { Console(capture: true) }

    private init(capture: Bool) { self.capture = capture }

    /// Everything written to standard output so far (captured consoles only).
    public var output: String { lock.withLock { outText } }
    /// Everything written to standard error so far (captured consoles only).
    public var errors: String { lock.withLock { errText } }

    public func out(_ line: String) {
        if capture { lock.withLock { outText += line + "\n" } } else { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }

    public func err(_ line: String) {
        if capture { lock.withLock { errText += line + "\n" } } else { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}
