import CapstanPluginKit
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Fault injection for crash tests, the plugin's side of `CAPSTAN_CRASH_AT`: when `CAPSTAN_PLUGIN_CRASH_AT`
/// names a point, the plugin SIGKILLs itself there — once per data folder (a marker file remembers it), so
/// that the plugin the server starts again carries on.
///
/// Points: `before-stage:KIND` (a stage's call arrived, nothing done) and `after-stage:KIND` (its work done,
/// the answer not sent). Unset in production: a hit is one comparison against nil.
enum PluginCrashPoint {
    static let armed: String? = ProcessInfo.processInfo.environment["CAPSTAN_PLUGIN_CRASH_AT"]

    static func hit(_ point: @autoclosure () -> String, dataDirectory: String) {
        guard let armed, armed == point() else { return }
        let marker = dataDirectory + "/crash-point-" + armed.replacingOccurrences(of: ":", with: "-")
        guard !FileManager.default.fileExists(atPath: marker) else { return }
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        PluginLog.write("process: crash point \(armed) reached; killing myself (CAPSTAN_PLUGIN_CRASH_AT)")
        kill(getpid(), SIGKILL)
    }
}
