public import Foundation
import Synchronization

/// Runs `executable` (looked up on PATH through /usr/bin/env) and waits for it.
/// `environment` adds to (or overrides) this process's environment. Never throws for a
/// non-zero exit: check `status`.
public func runProcess(
    _ executable: String, _ args: [String], cwd: URL? = nil, environment: [String: String] = [:]
) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + args
    if let cwd { process.currentDirectoryURL = cwd }
    if !environment.isEmpty {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    let stdout = Pipe()
    let stderr = Pipe()
    process.standardOutput = stdout
    process.standardError = stderr
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Drain both pipes at once: a child that fills one while we block on the other would hang.
    let errors = Mutex(Data())
    let group = DispatchGroup()
    DispatchQueue.global().async(group: group) {
        let data = stderr.fileHandleForReading.readDataToEndOfFile()
        errors.withLock { $0 = data }
    }
    let output = stdout.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors.withLock { $0 }, as: UTF8.self))
}
