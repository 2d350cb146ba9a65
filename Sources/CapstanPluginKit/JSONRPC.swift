public import CapstanCore

/// A JSON-RPC 2.0 request id: a number or a string. The host uses numbers; a plugin echoes whatever it got.
public enum JSONRPCID: Sendable, Hashable, Codable, CustomStringConvertible {
    case number(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int.self) {
            self = .number(number)
        } else {
            self = .string(try container.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .number(let number): try container.encode(number)
        case .string(let text): try container.encode(text)
        }
    }

    public var description: String {
        switch self {
        case .number(let number): "\(number)"
        case .string(let text): "\"\(text)\""
        }
    }
}

/// The `error` member of a JSON-RPC response.
public struct JSONRPCError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public var code: Int
    public var message: String
    /// Anything else the plugin wants to say (for example the stage's log lines).
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    public init(_ code: JSONRPCErrorCode, _ message: String, data: JSONValue? = nil) {
        self.init(code: code.rawValue, message: message, data: data)
    }

    /// The known code, if it is one.
    public var knownCode: JSONRPCErrorCode? { JSONRPCErrorCode(rawValue: code) }

    public var description: String { "\(message) (JSON-RPC error \(code))" }
}

/// The error codes of the plugin protocol: JSON-RPC's standard ones and Capstan's application codes.
public enum JSONRPCErrorCode: Int, Sendable, Hashable, CaseIterable {
    /// The line is not valid JSON.
    case parseError = -32700
    /// Valid JSON, but not a JSON-RPC 2.0 request object.
    case invalidRequest = -32600
    /// The plugin does not implement the method.
    case methodNotFound = -32601
    /// The params are missing a member or have the wrong type.
    case invalidParams = -32602
    /// The plugin failed in a way that is its own bug.
    case internalError = -32603
    /// `executeStage` ran and the stage failed; the host turns it into a FAILURE result with `message` as the reason.
    case stageFailed = -32000
    /// A method other than `initialize` arrived before `initialize`.
    case notInitialized = -32001
    /// `initialize` carried a protocol version whose major the plugin does not speak.
    case unsupportedProtocolVersion = -32002
}

/// A request (or, without an id, a notification) as written on the wire.
struct JSONRPCRequest<Params: Encodable>: Encodable {
    let jsonrpc = "2.0"
    var id: JSONRPCID?
    var method: String
    var params: Params
}

/// A successful response as written on the wire.
struct JSONRPCResult<Result: Encodable>: Encodable {
    let jsonrpc = "2.0"
    var id: JSONRPCID
    var result: Result
}

/// An error response as written on the wire; `id` is null when the request could not be read.
struct JSONRPCErrorResponse: Encodable {
    let jsonrpc = "2.0"
    var id: JSONRPCID?
    var error: JSONRPCError

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(jsonrpc, forKey: .jsonrpc)
        // JSON-RPC requires the member even when the id is unknown: write an explicit null.
        try container.encode(id, forKey: .id)
        try container.encode(error, forKey: .error)
    }

    private enum CodingKeys: String, CodingKey { case jsonrpc, id, error }
}

/// The members of any incoming line that say what kind of message it is; `params` and `result`
/// are decoded later, into their own types, from the same line.
struct JSONRPCEnvelope: Decodable {
    var jsonrpc: String?
    var id: JSONRPCID?
    var method: String?
    var error: JSONRPCError?
    /// Whether a `result` member is present (its value may legitimately be null).
    var hasResult: Bool

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        jsonrpc = try container.decodeIfPresent(String.self, forKey: .jsonrpc)
        id = try? container.decodeIfPresent(JSONRPCID.self, forKey: .id)
        method = try container.decodeIfPresent(String.self, forKey: .method)
        error = try container.decodeIfPresent(JSONRPCError.self, forKey: .error)
        hasResult = container.contains(.result)
    }

    private enum CodingKeys: String, CodingKey { case jsonrpc, id, method, error, result }

    /// What the line is, or nil when it is not a JSON-RPC 2.0 message at all.
    var kind: Kind? {
        guard jsonrpc == "2.0" else { return nil }
        if let method { return id.map { .request($0, method) } ?? .notification(method) }
        if let error { return .errorResponse(id, error) }
        if let id, hasResult { return .result(id) }
        return nil
    }

    enum Kind {
        case request(JSONRPCID, String)
        case notification(String)
        case result(JSONRPCID)
        case errorResponse(JSONRPCID?, JSONRPCError)
    }
}

/// Only the `params` of a request line, decoded into the method's own type.
struct JSONRPCParams<Params: Decodable>: Decodable {
    var params: Params
}

/// Only the `result` of a response line, decoded into the method's own type.
struct JSONRPCResultOnly<Result: Decodable>: Decodable {
    var result: Result
}
