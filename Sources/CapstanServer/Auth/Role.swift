/// What a token may do. A token holds one or more roles; `admin` implies every other, and `deployer`
/// and `approver` imply `viewer`. Deploying and approving are kept apart on purpose: a deployer cannot
/// approve its own deployment unless it is also given `approver`.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Reads: applications, deployments, logs, events.
    case viewer
    /// Sync, cancel, rollback, skip-stage; and reads.
    case deployer
    /// Approve WAIT_APPROVAL stages; and reads.
    case approver
    /// Everything.
    case admin

    /// The roles this one grants, itself included.
    public var implied: Set<Role> {
        switch self {
        case .viewer: [.viewer]
        case .deployer: [.deployer, .viewer]
        case .approver: [.approver, .viewer]
        case .admin: Set(Role.allCases)
        }
    }

    /// Every role `roles` grant.
    public static func effective(_ roles: some Sequence<Role>) -> Set<Role> {
        roles.reduce(into: []) { $0.formUnion($1.implied) }
    }

    /// The documented order (viewer, deployer, approver, admin), for lists people read.
    public static func < (lhs: Role, rhs: Role) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }

    /// `viewer, deployer, approver or admin`, for messages.
    public static let names = allCases.map(\.rawValue).joined(separator: ", ")
}
