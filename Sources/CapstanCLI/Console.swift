public import Foundation

/// Where a command writes (straight to stdout/stderr, or into strings that tests read), what it reads on
/// standard input, and what time it is for it (durations such as "running for 2m05s"), so tests compare
/// exact output.
public final class Console: @unchecked Sendable {
    // @unchecked: a command runs on one task; the lock only guards captures read by tests afterwards.
    private let capture: Bool
    private let lock = NSLock()
    private var outText = ""
    private var errText = ""
    /// The current time, as the command should see it.
    public let now: @Sendable () -> Date
    /// Everything on standard input, read to its end.
    public let readStandardInput: @Sendable () -> Data

    /// Writes to the process's stdout and stderr, and reads its stdin.
    public static func standard() -> Console {
        Console(capture: false, now: { Date() }, readStandardInput: { FileHandle.standardInput.readDataToEndOfFile() })
    }
    /// Keeps what is written, for tests; `now` fixes the time the command sees, `standardInput` what it reads.
    public static func capturing(now: @escaping @Sendable () -> Date = { Date() }, standardInput: String = "") -> Console {
        Console(capture: true, now: now, readStandardInput: { Data(standardInput.utf8) })
    }

    private init(capture: Bool, now: @escaping @Sendable () -> Date, readStandardInput: @escaping @Sendable () -> Data) {
        self.capture = capture
        self.now = now
        self.readStandardInput = readStandardInput
    }

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
