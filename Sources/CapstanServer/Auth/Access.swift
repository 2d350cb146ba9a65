import Hummingbird
import Logging

/// Who may do what: reads and commands, checked against the tokens file or, on a server without tokens,
/// commands from this machine only.
struct Access: Sendable {
    /// nil: the server has no tokens (no `auth:` in its config).
    let tokens: TokenStore?
    let anonymousRead: Bool

    init(_ configuration: AuthConfiguration?) {
        tokens = configuration.map { TokenStore(path: $0.tokensFile) }
        anonymousRead = configuration?.anonymousRead ?? true
    }

    /// Lets a read through, or throws 401. A token that is sent is checked even where none is needed,
    /// so that a mistyped or revoked one is noticed rather than silently read as anonymous.
    func checkRead(_ request: Request, logger: Logger) throws {
        guard let tokens else { return }
        if request.headers[.authorization] == nil, anonymousRead { return }
        _ = try record(request, tokens, logger: logger, needed: "reads on this server need a token")
    }

    /// Who sent a command that needs `role`; 403 from a web page, or for a token without the role
    /// (or, without tokens, from another machine); 401 without a valid token.
    func checkCommand(_ request: Request, context: some RequestContext, needs role: Role, verb: String) throws -> Caller {
        guard let tokens else {
            let peer = try LocalPeer.require(request, context: context)
            // This machine's users may do everything, as before tokens: they could edit the store anyway.
            return Caller(actor: "api@\(peer.ipAddress ?? "local")", roles: Set(Role.allCases.map(\.rawValue)))
        }
        try LocalPeer.refuseWebPages(request)
        let record = try record(request, tokens, logger: context.logger,
                                needed: "\(verb) needs a token with the \(role.rawValue) role")
        guard Role.effective(record.roles).contains(role) else {
            let held = record.roles.map(\.rawValue).joined(separator: ", ")
            throw APIError.forbidden("token \(record.name) (\(held)) may not \(verb): that needs the \(role.rawValue) "
                + "role, or admin")
        }
        return Caller(actor: record.name, roles: record.effectiveRoleNames)
    }

    /// The record of the request's bearer token; 401 when there is none or it is unknown, 503 when the
    /// tokens file cannot be read (logged once per broken version of the file).
    private func record(_ request: Request, _ tokens: TokenStore, logger: Logger, needed: String) throws -> TokenRecord {
        guard let header = request.headers[.authorization] else {
            throw APIError.unauthorized("\(needed): send Authorization: Bearer <token> (with the CLI: --token or "
                + "CAPSTAN_TOKEN)", invalidToken: false)
        }
        guard let token = BearerToken.fromAuthorization(header) else {
            throw APIError.unauthorized("the Authorization header must be 'Bearer <token>'", invalidToken: false)
        }
        switch tokens.lookup(token: token) {
        case .found(let record):
            return record
        case .unknown:
            throw APIError.unauthorized("the token is not valid: unknown or revoked", invalidToken: true)
        case .unreadable(let error, let firstReport):
            if firstReport {
                logger.error("the tokens file cannot be read; no token is accepted until it is fixed",
                             metadata: ["error": "\(error)"])
            }
            throw APIError.authUnavailable()
        }
    }
}
