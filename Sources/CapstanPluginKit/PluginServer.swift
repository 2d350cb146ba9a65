public import Foundation
import Synchronization

/// The plugin side of the protocol, for plugins written in Swift: reads requests from stdin,
/// dispatches them to a ``PlatformPlugin``, writes the answers to stdout.
///
/// ```swift
/// @main struct Main {
///     static func main() async {
///         await PluginServer(plugin: MyPlatform(), name: "my-platform", version: "1.0.0").run()
///     }
/// }
/// ```
/// Requests are served concurrently, each in its own child task. `run()` returns after `shutdown`
/// or at end of input (the host has gone); the process should then exit.
public final class PluginServer<Plugin: PlatformPlugin>: Sendable {
    private let plugin: Plugin
    private let name: String
    private let version: String
    private let output: @Sendable (Data) -> Void
    private let phase = Mutex(Phase.waitingForInitialize)
    /// Set once the shutdown answer is out: the host expects nothing after it.
    private let outputClosed = Atomic<Bool>(false)

    private enum Phase {
        case waitingForInitialize
        case initialized
        case shutDown
    }

    /// `output` receives each outgoing line (newline included); by default it goes to stdout.
    public init(plugin: Plugin, name: String, version: String,
                output: (@Sendable (Data) -> Void)? = nil) {
        self.plugin = plugin
        self.name = name
        self.version = version
        self.output = output ?? StandardStreams.writeStdout
    }

    /// Serves stdin until `shutdown` or end of input.
    public func run(maxLineBytes: Int = 16 * 1024 * 1024) async {
        await serve(StandardStreams.stdinLines(maxLineBytes: maxLineBytes))
    }

    /// Serves the given lines (one message each, without newline) until `shutdown` or their end.
    public func serve(_ lines: some AsyncSequence<LineFramer.Event, Never> & Sendable) async {
        await withTaskGroup(of: Void.self) { group in
            for await event in lines {
                switch event {
                case .tooLong(let bytes):
                    let error = JSONRPCError(.invalidRequest, "request line of more than \(bytes) bytes, over the limit")
                    emit(Self.errorLine(nil, error))
                case .line(let line):
                    switch Self.method(of: line) {
                    case PluginMethod.initialize:
                        // In order, before anything behind it: every other method needs it done.
                        if let response = await handle(line) { emit(response) }
                    case PluginMethod.shutdown:
                        // Answered, then stop reading and abandon stages still running (executeStage
                        // is idempotent: the server runs them again). They write nothing more.
                        if let response = await handle(line) { emit(response) }
                        outputClosed.store(true, ordering: .releasing)
                        group.cancelAll()
                        return
                    default:
                        group.addTask {
                            if let response = await self.handle(line) { self.emit(response) }
                        }
                    }
                }
            }
        }
    }

    /// Writes one line, unless the shutdown answer is already out.
    private func emit(_ line: Data) {
        guard !outputClosed.load(ordering: .acquiring) else { return }
        output(line)
    }

    /// Answers one incoming line; nil when it needs no answer (a notification). Public for tests.
    public func handle(_ line: Data) async -> Data? {
        guard let envelope = try? WireCoding.decoder.decode(JSONRPCEnvelope.self, from: line) else {
            return Self.errorLine(nil, JSONRPCError(.parseError, "not a JSON object"))
        }
        switch envelope.kind {
        case .request(let id, let method):
            do {
                return try await respond(to: method, id: id, line: line)
            } catch let error as JSONRPCError {
                return Self.errorLine(id, error)
            } catch {
                let code: JSONRPCErrorCode = method == PluginMethod.executeStage ? .stageFailed : .internalError
                return Self.errorLine(id, JSONRPCError(code, String(describing: error)))
            }
        case .notification, .result, .errorResponse:
            return nil // The host sends no notifications we act on, and we send no requests.
        case nil:
            return Self.errorLine(envelope.id, JSONRPCError(.invalidRequest, "not a JSON-RPC 2.0 request"))
        }
    }

    private func respond(to method: String, id: JSONRPCID, line: Data) async throws -> Data? {
        if method == PluginMethod.initialize {
            try Self.checkVersion(line)
            try await plugin.initialize(Self.params(InitializeParams.self, line))
            phase.withLock { $0 = .initialized }
            return try Self.resultLine(id, InitializeResult(name: name, version: version))
        }
        guard phase.withLock({ $0 }) != .waitingForInitialize else {
            throw JSONRPCError(.notInitialized, "\(method) before initialize")
        }
        switch method {
        case PluginMethod.capabilities:
            return try Self.resultLine(id, await plugin.capabilities())
        case PluginMethod.liveState:
            return try Self.resultLine(id, await plugin.liveState(Self.params(LiveStateParams.self, line)))
        case PluginMethod.executeStage:
            let params = try Self.params(ExecuteStageParams.self, line)
            let log = StageLogger(deploymentId: params.deploymentId, stageIndex: params.stageIndex) { line in
                let notification = JSONRPCRequest(id: nil, method: PluginMethod.log, params: line)
                if let data = try? WireCoding.line(notification) { self.emit(data) }
            }
            return try Self.resultLine(id, await plugin.executeStage(params, log: log))
        case PluginMethod.finishDeployment:
            try await plugin.finishDeployment(Self.params(FinishDeploymentParams.self, line))
            return try Self.resultLine(id, EmptyMessage())
        case PluginMethod.shutdown:
            await plugin.shutdown()
            phase.withLock { $0 = .shutDown }
            return try Self.resultLine(id, EmptyMessage())
        default:
            throw JSONRPCError(.methodNotFound, "\(name) has no method \(method)")
        }
    }

    /// Answers -32002 before decoding anything else: a host of another major may send other params.
    private static func checkVersion(_ line: Data) throws {
        let text = (try? WireCoding.decoder.decode(JSONRPCParams<VersionOnly>.self, from: line))?.params.protocolVersion
        guard let text, let version = ProtocolVersion(text) else {
            throw JSONRPCError(.invalidParams, "params.protocolVersion is missing or not MAJOR.MINOR")
        }
        guard version.isCompatible(with: .current) else {
            throw JSONRPCError(.unsupportedProtocolVersion,
                               "this plugin speaks protocol \(ProtocolVersion.current), not \(version)")
        }
    }

    private struct VersionOnly: Decodable {
        var protocolVersion: String
    }

    private static func params<P: Decodable>(_ type: P.Type, _ line: Data) throws -> P {
        do {
            return try WireCoding.decoder.decode(JSONRPCParams<P>.self, from: line).params
        } catch {
            throw JSONRPCError(.invalidParams, "invalid params: \(DecodingProblem(error))")
        }
    }

    /// The method of a request line; nil for anything else.
    private static func method(of line: Data) -> String? {
        guard let envelope = try? WireCoding.decoder.decode(JSONRPCEnvelope.self, from: line),
              case .request(_, let method) = envelope.kind else { return nil }
        return method
    }

    private static func resultLine(_ id: JSONRPCID, _ result: some Encodable) throws -> Data {
        try WireCoding.line(JSONRPCResult(id: id, result: result))
    }

    static func errorLine(_ id: JSONRPCID?, _ error: JSONRPCError) -> Data {
        // Encoding a response of strings and numbers cannot fail.
        (try? WireCoding.line(JSONRPCErrorResponse(id: id, error: error))) ?? Data("\n".utf8)
    }
}

/// A short description of a DecodingError: which member, what was wrong.
struct DecodingProblem: CustomStringConvertible {
    let description: String

    init(_ error: any Error) {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
        }
        description = switch error as? DecodingError {
        case .keyNotFound(let key, let context)?:
            "missing \((path(context).isEmpty ? "" : path(context) + ".") + key.stringValue)"
        case .typeMismatch(_, let context)?, .valueNotFound(_, let context)?, .dataCorrupted(let context)?:
            "\(path(context)): \(context.debugDescription)"
        default:
            String(describing: error)
        }
    }
}
