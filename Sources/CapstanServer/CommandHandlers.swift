import CapstanCore
import Foundation
import Hummingbird
import NIOCore

/// The command routes: check who asks (``Access``) and the body, forward the command to the engine's ports,
/// and answer 202 with the deployment as the command left it (persisted; the work it starts runs after).
struct CommandHandlers: Sendable {
    /// The largest body a command route reads; its bodies are a few bytes.
    static let maxCommandBody = 64 * 1024

    /// Where rollback, cancel, approve and skip-stage go; nil answers them with a 503.
    let commands: (any DeploymentCommands)?
    /// Where sync goes; nil answers it with a 503.
    let syncCommands: (any SyncCommands)?
    let access: Access

    /// What a deployment's command route asks of it.
    enum Command: String, CaseIterable, Sendable {
        case rollback, cancel, approve
        case skipStage = "skip-stage"

        /// Who may send it: approving is kept apart from deploying.
        var role: Role { self == .approve ? .approver : .deployer }
    }

    /// `POST /api/v1/deployments/{id}/rollback|cancel|approve|skip-stage`.
    func deployment(_ command: Command, id: String, _ request: Request, context: some RequestContext) async throws
        -> Response {
        let caller = try access.checkCommand(request, context: context, needs: command.role, verb: command.rawValue)
        let fields = try await Self.bodyFields(request)
        let rollback = command == .cancel ? try Self.flag("rollback", in: fields, default: true) : true
        guard let commands else { throw APIError.commandsUnavailable() }
        let id = DeploymentID(rawValue: id)
        let deployment = try await Self.forward(notFound: { _ in "no deployment \(id)" }) {
            switch command {
            case .rollback: try await commands.rollback(id, by: caller.actor)
            case .cancel: try await commands.cancel(id, rollback: rollback, by: caller.actor)
            case .approve: try await commands.approve(id, by: caller.actor, roles: caller.roles)
            case .skipStage: try await commands.skipStage(id, by: caller.actor, roles: caller.roles)
            }
        }
        return try APIJSON.response(DeploymentView(deployment), status: .accepted)
    }

    /// `POST /api/v1/apps/{name}/sync` with an optional `{"commit": "…"}`: a manual deployment of the app.
    func sync(app: String, _ request: Request, context: some RequestContext) async throws -> Response {
        let caller = try access.checkCommand(request, context: context, needs: .deployer, verb: "sync")
        let fields = try await Self.bodyFields(request, example: #"{"commit": "4f2a9c1"}"#)
        let commit = try Self.text("commit", in: fields)
        guard let syncCommands else { throw APIError.commandsUnavailable() }
        // The engine's message is whole: "no application X in …", "no commit Y in repository Z: …".
        let deployment = try await Self.forward(notFound: { $0 }) {
            try await syncCommands.sync(app: app, commit: commit, by: caller.actor)
        }
        return try APIJSON.response(DeploymentView(deployment), status: .accepted)
    }

    /// Runs a command, turning the ports' errors into the API's: 404 (`notFound` words the store's
    /// message), 409, 403 for a caller the command refuses, 503 for the store.
    private static func forward(notFound: (String) -> String, _ body: () async throws -> Deployment) async throws
        -> Deployment {
        do {
            return try await body()
        } catch StoreError.notFound(let what) {
            throw APIError.notFound(notFound(what))
        } catch StoreError.conflict(let message) {
            throw APIError.conflict(message)
        } catch let refusal as DeploymentMachine.Refusal {
            // The port promises StoreError.conflict; a refusal passed through means the same.
            throw APIError.conflict(refusal.message)
        } catch CommandError.forbidden(let message) {
            throw APIError.forbidden(message)
        } catch StoreError.unavailable(let message) {
            throw APIError.storeUnavailable(message)
        }
    }

    /// The body as a JSON object; an empty body is an empty object. 400 for anything else, 413 past the limit.
    static func bodyFields(_ request: Request, example: String = #"{"rollback": false}"#) async throws
        -> [String: JSONValue] {
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
            throw APIError.badRequest("body is not JSON; send nothing, or an object such as \(example)")
        }
        guard case .object(let fields) = value else {
            throw APIError.badRequest("body must be a JSON object such as \(example), not \(value)")
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

    /// A string field; absent or null is nil, an empty or blank one is refused.
    static func text(_ name: String, in fields: [String: JSONValue]) throws -> String? {
        switch fields[name] {
        case nil, .null?: return nil
        case .string(let value)? where !value.trimmingCharacters(in: .whitespaces).isEmpty: return value
        case let other?: throw APIError.badRequest("\(name) must be a commit id, branch or tag, not \(other)")
        }
    }

    private static func tooLarge() -> APIError {
        APIError.payloadTooLarge("body is larger than \(maxCommandBody / 1024) KiB; a command's body is a small JSON object")
    }
}
