import CapstanCore
import Foundation
import Hummingbird
import Logging
import NIOCore

extension Webhooks {
    /// One delivery, checked in this order: 404 (unknown provider), 401 (no secret set up, no signature header),
    /// 413 (too large), 401 (signature), 400 (body), then 200 for a ping and 202 for the rest.
    func receive(_ request: Request, provider name: String, context: some RequestContext) async throws -> Response {
        guard let provider = WebhookProvider(rawValue: name) else {
            let known = WebhookProvider.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.notFound("no webhook provider \(name); use one of \(known)")
        }
        let logger = context.logger
        let body: Data
        let verified: Set<WebhookKey>
        do {
            try WebhookAuthenticator.precheck(provider, headers: request.headers, keys: settings.keys(for: provider),
                                              insecure: settings.isInsecure(provider))
            body = try await Self.body(request, limit: settings.maxBodyBytes)
            verified = try WebhookAuthenticator.verify(provider, headers: request.headers, body: body,
                                                       keys: settings.keys(for: provider),
                                                       insecure: settings.isInsecure(provider), now: now())
        } catch let error as APIError {
            logger.warning("webhook refused", metadata: [
                "capstan.webhook": "\(provider.rawValue)", "reason": "\(error.message)", "peer": "\(Self.peer(context))",
            ])
            throw error
        }
        switch try WebhookPayloads.event(provider, headers: request.headers, body: body) {
        case .ping:
            return WebhookResultView(refreshed: [], message: "pong: \(provider.displayName) webhooks reach Capstan")
                .response(status: .ok)
        case .ignored(let reason):
            return WebhookResultView(refreshed: [], message: reason).response(status: .accepted)
        case .push(let push):
            let providerKey: WebhookKey? = if case .key(let key)? = settings.providers[provider] { key } else { nil }
            let match = WebhookMatch(push, repositories: settings.repositories) { repository in
                if let key = repository.key ?? providerKey { return verified.contains(key) }
                return settings.isInsecure(provider)
            }
            if !match.refreshed.isEmpty {
                guard let batcher else {
                    throw APIError(status: .serviceUnavailable, code: "commands_unavailable",
                                   message: "this server does not refresh repositories from webhooks")
                }
                await batcher.refresh(match.refreshed)
            }
            logger.info("webhook", metadata: [
                "capstan.webhook": "\(provider.rawValue)", "refs": "\(push.refs?.joined(separator: ",") ?? "-")",
                "commit": "\(push.commit ?? "-")", "refreshed": "\(match.refreshed.joined(separator: ","))",
            ])
            return WebhookResultView(refreshed: match.refreshed, message: match.message).response(status: .accepted)
        }
    }

    /// The whole body; 413 past `limit`, before reading it to the end when the sender declared its length.
    static func body(_ request: Request, limit: Int) async throws -> Data {
        let tooLarge = APIError.payloadTooLarge("the body is larger than \(limit) bytes (webhooks.maxBodyBytes)")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { throw tooLarge }
        do {
            return Data(try await request.body.collect(upTo: limit).readableBytesView)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }

    private static func peer(_ context: some RequestContext) -> String {
        (context as? any RemoteAddressRequestContext)?.remoteAddress?.ipAddress ?? "unknown"
    }
}
