/// Who sent a command, as the engine records it.
struct Caller: Sendable, Hashable {
    /// The token's name (`alice`); `api@<peer address>` on a server without tokens.
    let actor: String
    /// The role names it holds, implied ones included, for approvals' `role:NAME`.
    let roles: Set<String>
}
