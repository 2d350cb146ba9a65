import CapstanCore
import Foundation
import Hummingbird
import NIOCore

extension APIHandlers {
    /// The largest body a command route reads; its bodies are a few bytes.
    static let maxCommandBody = 64 * 1024

    /// What a command route asks of the deployment.
    enum Command {
        case rollback
        case cancel
    }

    /// `POST /api/v1/deployments/{id}/rollback|cancel`: checks the peer and the body, forwards the command,
    /// and answers 202 with the deployment as the command left it (persisted; the rollback itself runs after).
    func command(_ command: Command, id: String, _ request: Request, context: some RequestContext) async throws
        -> Response {
        let peer = try LocalPeer.require(request, context: context)
        let fields = try await Self.bodyFields(request)
        let rollback = command == .cancel ? try Self.flag("rollback", in: fields, default: true) : true
        guard let commands else { throw APIError.commandsUnavailable() }
        let id = DeploymentID(rawValue: id)
        let actor = "api@\(peer.ipAddress ?? "local")"
        let deployment: Deployment
        do {
            switch command {
            case .rollback: deployment = try await commands.rollback(id, by: actor)
            case .cancel: deployment = try await commands.cancel(id, rollback: rollback, by: actor)
            }
        } catch StoreError.notFound {
            throw APIError.notFound("no deployment \(id)")
        } catch StoreError.conflict(let message) {
            throw APIError.conflict(message)
        } catch let refusal as DeploymentMachine.Refusal {
            // The port promises StoreError.conflict; a refusal passed through means the same.
            throw APIError.conflict(refusal.message)
        } catch StoreError.unavailable(let message) {
            throw APIError.storeUnavailable(message)
        }
        return try APIJSON.response(DeploymentView(deployment), status: .accepted)
    }

    /// The body as a JSON object; an empty body is an empty object. 400 for anything else, 413 past the limit.
    static func bodyFields(_ request: Request) async throws -> [String: JSONValue] {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > maxCommandBody {
            throw tooLarge()
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxCommandBody)
        } catch is NIOTooManyBytesError {
            throw tooLarge()
        }
        let bytes = Data(buffer.readableBytesView)
        if bytes.allSatisfy({ [0x20, 0x09, 0x0A, 0x0D].contains($0) }) { return [:] }
        let value: JSONValue
        do {
            value = try APIJSON.decoder().decode(JSONValue.self, from: bytes)
        } catch {
            throw APIError.badRequest("body is not JSON; send nothing, or an object such as {\"rollback\": false}")
        }
        guard case .object(let fields) = value else {
            throw APIError.badRequest("body must be a JSON object such as {\"rollback\": false}, not \(value)")
        }
        return fields
    }

    /// A boolean field; absent or null is `defaultValue`.
    static func flag(_ name: String, in fields: [String: JSONValue], default defaultValue: Bool) throws -> Bool {
        switch fields[name] {
        case nil, .null?: return defaultValue
        case .bool(let value)?: return value
        case let other?: throw APIError.badRequest("\(name) must be true or false, not \(other)")
        }
    }

    private static func tooLarge() -> APIError {
        APIError.payloadTooLarge("body is larger than \(maxCommandBody / 1024) KiB; a command's body is a small JSON object")
    }
}
