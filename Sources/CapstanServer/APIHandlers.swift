import CapstanCore
import Hummingbird

/// The route handlers: read the store, shape the views, and turn every failure into an ``APIError``.
struct APIHandlers: Sendable {
    /// Events read per store call when collecting one deployment's events.
    static let eventPage = 1000
    /// Default and largest `limit` of the list routes.
    static let defaultLimit = 100, maxLimit = 1000

    let store: any DeploymentStore
    let health: CapstanAPI.HealthCheck

    func health(_ request: Request) async throws -> Response {
        do {
            try await health()
            return try APIJSON.response(HealthView(status: "ok"))
        } catch {
            return try APIJSON.response(HealthView(status: "unavailable", message: Self.message(of: error)),
                                        status: .serviceUnavailable)
        }
    }

    func apps(_ request: Request) async throws -> Response {
        let apps = try await read { try await store.apps() }
        return try APIJSON.response(apps.map(AppView.init))
    }

    func app(_ name: String) async throws -> Response {
        let record = try await appRecord(name)
        let last = try await read { try await store.deployments(app: name, state: nil, limit: 1) }.first
        return try APIJSON.response(AppDetailView(record, lastDeployment: last))
    }

    func diff(_ name: String) async throws -> Response {
        try APIJSON.response(AppDiffView(try await appRecord(name)))
    }

    func deployments(_ request: Request) async throws -> Response {
        let query = QueryReader(request)
        let app = try query.string("app")
        let state = try query.choice("state", as: DeploymentState.self)
        let limit = try query.integer("limit", in: 1...Self.maxLimit, default: Self.defaultLimit)
        let deployments = try await read { try await store.deployments(app: app, state: state, limit: limit) }
        return try APIJSON.response(deployments.map(DeploymentView.init))
    }

    func deployment(_ id: String) async throws -> Response {
        let id = DeploymentID(rawValue: id)
        guard let deployment = try await read({ try await store.deployment(id) }) else {
            throw APIError.notFound("no deployment \(id)")
        }
        let stages = try await read { try await store.stages(of: id) }
        let approvals = try await read { try await store.approvals(of: id) }
        let events = try await read { try await deploymentEvents(of: id) }
        return try APIJSON.response(DeploymentDetailView(deployment, stages: stages, approvals: approvals, events: events))
    }

    func events(_ request: Request) async throws -> Response {
        let query = QueryReader(request)
        let after = try query.integer("after", in: 0...Int64.max, default: 0)
        let limit = try query.integer("limit", in: 1...Self.maxLimit, default: Self.defaultLimit)
        let events = try await read { try await store.events(after: after, limit: limit) }
        return try APIJSON.response(events.map(EventView.init))
    }

    // MARK: Helpers

    private func appRecord(_ name: String) async throws -> AppRecord {
        guard let record = try await read({ try await store.app(name) }) else {
            throw APIError.notFound("no application \(name)")
        }
        return record
    }

    /// The deployment's events, oldest first, read in pages through the store's index by deployment.
    private func deploymentEvents(of id: DeploymentID) async throws -> [Event] {
        var found: [Event] = []
        while true {
            let page = try await store.events(of: id, stage: nil, kind: nil, after: found.last?.sequence ?? 0,
                                               limit: Self.eventPage)
            found += page
            if page.count < Self.eventPage { return found }
        }
    }

    /// Runs a store read; any failure becomes a 503 carrying the store's message.
    func read<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw APIError.storeUnavailable(Self.message(of: error))
        }
    }

    static func message(of error: any Error) -> String {
        if case StoreError.unavailable(let message) = error { return message }
        return String(describing: error)
    }
}
