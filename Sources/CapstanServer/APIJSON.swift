public import Foundation
public import Hummingbird

/// How the API writes and reads JSON: camelCase fields as declared, keys sorted, times as ``Timestamp``.
public enum APIJSON {
    /// A compact encoder with sorted keys (the server's).
    public static func encoder(pretty: Bool = false) -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
            : [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// A decoder for API bodies.
    public static func decoder() -> JSONDecoder { JSONDecoder() }

    /// A JSON response of `value` with `status`.
    public static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder().encode(value)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(data.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
