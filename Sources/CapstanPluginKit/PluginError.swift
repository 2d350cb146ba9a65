/// A failed call to a plugin: a stable code to branch on, the plugin's name, and a message people can act on.
public struct PluginError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable reason codes (users see them; the engine decides retry or stall on them).
    public enum Code: String, Sendable, Hashable, Codable, CaseIterable {
        /// The executable could not be started (missing, not executable), or it died before answering `initialize`.
        case launchFailed = "plugin.launch_failed"
        /// The plugin speaks another major version of the protocol; a restart will not help.
        case incompatibleVersion = "plugin.incompatible_version"
        /// The call's deadline passed; the plugin was killed and will be restarted by the next call.
        case timeout = "plugin.timeout"
        /// The plugin process ended on its own (a crash, an exit) while the call was waiting for its answer.
        case exited = "plugin.exited"
        /// The host killed the plugin while the call was waiting, because another call missed its
        /// deadline. The request's outcome is unknown; it may be sent again.
        case interrupted = "plugin.interrupted"
        /// The plugin answered with a JSON-RPC error; see ``PluginError/rpcError``.
        case remoteError = "plugin.remote_error"
        /// The plugin's answer could not be read (not JSON-RPC, wrong result shape).
        case protocolViolation = "plugin.protocol_violation"
        /// The host was shut down; no more calls.
        case shutDown = "plugin.shut_down"
        /// The calling task was cancelled. The plugin may still be working on the request.
        case cancelled = "plugin.cancelled"
    }

    public var code: Code
    /// The plugin's name in the server config.
    public var plugin: String
    /// What went wrong, in one sentence.
    public var message: String
    /// The JSON-RPC error the plugin answered, for ``Code/remoteError``.
    public var rpcError: JSONRPCError?
    /// The plugin's last stderr lines, when they help (a crash, a failed start).
    public var stderrTail: [String]

    /// Creates an error (public so that fakes of plugin hosts can throw the real type).
    public init(code: Code, plugin: String, message: String, rpcError: JSONRPCError? = nil, stderrTail: [String] = []) {
        self.code = code
        self.plugin = plugin
        self.message = message
        self.rpcError = rpcError
        self.stderrTail = stderrTail
    }

    public var description: String {
        var text = "plugin \(plugin) [\(code.rawValue)]: \(message)"
        if !stderrTail.isEmpty {
            text += "; last stderr lines:\n" + stderrTail.map { "  \($0)" }.joined(separator: "\n")
        }
        return text
    }
}
