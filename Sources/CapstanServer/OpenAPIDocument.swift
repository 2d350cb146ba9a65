public import Hummingbird

/// The OpenAPI 3.1 description of the whole HTTP API, served at `GET /api/v1/openapi.yaml`.
///
/// The text lives in `docs/openapi.yaml`; `OpenAPIDocument+Text.swift` embeds a copy in the binary (so the
/// server needs no resource files), and a test fails when the two differ — it rewrites the copy when run
/// with `CAPSTAN_UPDATE_OPENAPI=1`. Another test checks that the document's paths and methods are exactly
/// the routes the API registers.
public enum OpenAPIDocument {
    /// Where the document is served.
    public static let path = "/api/v1/openapi.yaml"
    /// Its media type (RFC 9512).
    public static let contentType = "application/yaml"

    /// The document as served: the bytes of `docs/openapi.yaml`.
    public static var text: String { yaml }

    /// Adds `GET /api/v1/openapi.yaml` to `router`.
    public static func add<Context: RequestContext>(to router: Router<Context>) {
        router.get(RouterPath(path)) { _, _ in response() }
    }

    static func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        let body = ByteBuffer(string: yaml)
        headers[.contentLength] = String(body.readableBytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }
}
