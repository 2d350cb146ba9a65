import Foundation

/// One line of the tokens file: who a token is, what it may do, and its hash — never the token.
public struct TokenRecord: Sendable, Hashable, Codable {
    /// The identity the API records as the actor (`alice`, `ci-deployer`); unique in the file.
    public var name: String
    /// In the documented order, without repeats.
    public var roles: [Role]
    /// SHA-256 of the token, 64 lower-case hex digits.
    public var sha256: String
    /// When `capstan token create` made it.
    public var created: Timestamp

    /// A record for a token whose hash is `sha256`.
    public init(name: String, roles: some Sequence<Role>, sha256: String, created: Timestamp) {
        self.name = name
        self.roles = Set(roles).sorted()
        self.sha256 = sha256
        self.created = created
    }

    /// The role names the token holds with those they imply, as approvals match `role:NAME`.
    public var effectiveRoleNames: Set<String> {
        Set(Role.effective(roles).map(\.rawValue))
    }

    /// Why `name` cannot name a token, or nil when it can: 1–64 letters, digits, `.`, `_`, `-` or `@`,
    /// starting with a letter or digit (no `:`, so it is never confused with an approvers' `role:NAME`).
    public static func problem(withName name: String) -> String? {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-@")
        guard (1...64).contains(name.count), name.allSatisfy(allowed.contains),
              let first = name.first, first.isLetter || first.isNumber else {
            return "a token name is 1 to 64 letters, digits, '.', '_', '-' or '@', starting with a letter or digit; "
                + "got \"\(name)\""
        }
        return nil
    }
}
