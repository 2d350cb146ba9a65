import CapstanCore
import Hummingbird

extension APIHandlers {
    /// `GET /api/v1/deployments/{id}/stages/{index}/logs?after=&limit=`: one page of a stage's log lines.
    func stageLogs(_ id: String, index text: String, _ request: Request) async throws -> Response {
        guard let index = Int(text), index >= 0 else {
            throw APIError.badRequest("index must be a stage index (an integer, 0 or more), not '\(text)'")
        }
        let query = QueryReader(request)
        let after = try query.integer("after", in: 0...Int64.max, default: 0)
        let limit = try query.integer("limit", in: 1...Self.maxLimit, default: Self.defaultLimit)
        let id = DeploymentID(rawValue: id)
        guard let deployment = try await read({ try await store.deployment(id) }) else {
            throw APIError.notFound("no deployment \(id)")
        }
        let stages = try await read { try await store.stages(of: id) }
        guard let stage = stages.first(where: { $0.index == index }) else {
            let known = stages.isEmpty ? "it has no stages" : "its stages are 0 to \(stages.count - 1)"
            throw APIError.notFound("deployment \(id) has no stage \(index); \(known)")
        }
        let events = try await read {
            try await store.events(of: id, stage: index, kind: .stageLog, after: after, limit: limit)
        }
        return try APIJSON.response(StageLogsView(deployment, stage: stage, events: events, after: after))
    }
}
