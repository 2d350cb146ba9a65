import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fault injection for crash tests: when the environment variable `CAPSTAN_CRASH_AT` names a point,
/// the process SIGKILLs itself the first time it reaches it — the same as `kill -9` at exactly that
/// moment, which a test cannot time from outside for a stage that lasts milliseconds.
///
/// Points: `before-stage:KIND` (the stage is stored RUNNING, its work not started) and
/// `after-stage:KIND` (its work done, the result not stored). Unset in production: then a hit is one
/// comparison against nil.
enum CrashPoint {
    static let armed: String? = ProcessInfo.processInfo.environment["CAPSTAN_CRASH_AT"]

    static func hit(_ point: @autoclosure () -> String) {
        guard let armed, armed == point() else { return }
        FileHandle.standardError.write(Data("capstan: crash point \(armed) reached; killing myself (CAPSTAN_CRASH_AT)\n".utf8))
        kill(getpid(), SIGKILL)
    }
}
