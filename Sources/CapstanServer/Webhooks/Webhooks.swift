public import CapstanCore
public import Foundation
public import Hummingbird

/// `POST /webhooks/{github,gitlab,gitea,bitbucket,generic}`: Git hosts and CI jobs tell Capstan about a push,
/// and the repositories it names are fetched at once rather than at their next poll.
///
/// ``CapstanAPI`` adds the route; `capstan serve` gives it the settings, read at start-up:
/// ```swift
/// let webhooks = try WebhookSettings(settings, secret: SecretReader.read)
/// let api = CapstanAPI.application(store: store, ..., syncCommands: controller, webhooks: webhooks)
/// ```
public struct Webhooks: Sendable {
    /// The route and its method; anything else on it is a 405.
    static let path = "/webhooks/{provider}"
    static let routes: [(path: PathTemplate, methods: [HTTPRequest.Method])] = [(PathTemplate(path), [.post])]

    let settings: WebhookSettings
    /// Nil: an authenticated push that matches a repository is a 503.
    let batcher: RefreshBatcher?
    /// The clock GitLab's signed timestamps are checked against.
    let now: @Sendable () -> Date

    init(settings: WebhookSettings, sync: (any SyncCommands)?, now: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        batcher = sync.map(RefreshBatcher.init)
        self.now = now
    }

    /// Adds the webhook route to `router`: deliveries checked against `settings` (nil: no provider set up, so
    /// every delivery is a 401), refreshes asked of `sync`.
    public static func add<Context: RequestContext>(to router: Router<Context>, settings: WebhookSettings?,
                                                    sync: (any SyncCommands)?) {
        let webhooks = Webhooks(settings: settings ?? .disabled, sync: sync)
        router.post(RouterPath(PathTemplate(path).routerPath)) { request, context in
            try await webhooks.receive(request, provider: try context.parameters.require("provider"), context: context)
        }
    }

    /// `sha256=` and the hex HMAC-SHA256 of `body` under `secret`: the value of `X-Capstan-Signature` (and of
    /// GitHub's `X-Hub-Signature-256`), for CI clients and tests.
    public static func signature(of body: Data, secret: String) -> String {
        WebhookSignature.sign(body, key: Array(secret.utf8))
    }
}

/// The answer to a delivery: `{"message": "refreshing apps", "refreshed": ["apps"]}`.
struct WebhookResultView {
    /// The repositories whose fetch was asked for, sorted; empty when the push matched none.
    let refreshed: [String]
    /// What happened, for people reading the delivery in the provider's UI.
    let message: String

    /// The API's JSON (sorted keys, slashes as they are), written by hand: `JSONEncoder` cost a delivery more
    /// than checking its signature.
    var json: String {
        var text = #"{"message":"#
        Self.append(message, to: &text)
        text += #","refreshed":["#
        for (index, name) in refreshed.enumerated() {
            if index > 0 { text += "," }
            Self.append(name, to: &text)
        }
        return text + "]}"
    }

    func response(status: HTTPResponse.Status) -> Response {
        let text = json
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(text.utf8.count)
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `value` as a JSON string: quotes, backslashes and control characters escaped as `JSONEncoder` does.
    static func append(_ value: String, to text: inout String) {
        text += "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += "\\n"
            case "\r": text += "\\r"
            case "\t": text += "\\t"
            case "\u{08}": text += "\\b"
            case "\u{0C}": text += "\\f"
            case "\u{00}"..."\u{1F}": text += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text += "\""
    }
}
