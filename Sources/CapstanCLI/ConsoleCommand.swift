public import ArgumentParser

/// A subcommand that writes to a ``Console`` and returns its exit status, so tests run it in-process
/// and compare its output; `run()` for the real command line comes with it.
public protocol ConsoleCommand: AsyncParsableCommand {
    /// Runs the command; returns its exit status.
    func execute(console: Console) async throws -> Int32
}

extension ConsoleCommand {
    public func run() async throws {
        let status = try await execute(console: .standard())
        if status != 0 { throw ExitCode(status) }
    }
}
