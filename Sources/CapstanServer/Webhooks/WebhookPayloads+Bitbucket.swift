import CapstanCore
import Foundation
import HTTPTypes
import Hummingbird

extension WebhookPayloads {
    /// `X-Event-Key: repo:push` (Bitbucket Cloud), `repo:refs_changed` (Bitbucket Server and Data Center),
    /// `diagnostics:ping` (Server's "Test connection").
    static func bitbucket(_ headers: HTTPFields, _ body: Data) throws -> WebhookEvent {
        switch try eventName(headers, [.bitbucketEvent], provider: .bitbucket) {
        case "repo:push": return .push(try bitbucketCloud(body))
        case "repo:refs_changed": return .push(try bitbucketServer(body))
        case "diagnostics:ping": return .ping
        case let other: return .ignored("Bitbucket event \(other) is not acted on; only repo:push and repo:refs_changed refresh")
        }
    }

    private struct Href: Decodable {
        let href: String?
    }

    /// Cloud: `repository.links.html.href` and `full_name`; `push.changes[].new` (or `old` for a deletion)
    /// with a `type` of branch or tag and a `name`.
    private struct CloudPush: Decodable {
        struct Repository: Decodable {
            struct Links: Decodable { let html: Href? }
            let links: Links?
            let fullName: String?

            enum CodingKeys: String, CodingKey { case links, fullName = "full_name" }
        }
        struct Changes: Decodable { let changes: [Change] }
        struct Change: Decodable { let new: Ref?, old: Ref? }
        struct Ref: Decodable { let type: String, name: String, target: Target? }
        struct Target: Decodable { let hash: String? }

        let repository: Repository
        let push: Changes
    }

    private static func bitbucketCloud(_ body: Data) throws -> WebhookPush {
        let push = try PayloadJSON.decode(CloudPush.self, from: body, what: "Bitbucket repo:push event")
        // The web address is the clone address without `.git`; full_name is all a Cloud repository needs.
        let urls = [push.repository.links?.html?.href, push.repository.fullName.map { "https://bitbucket.org/\($0)" }]
            .compactMap(\.self)
        guard !urls.isEmpty else { throw APIError.badRequest("Bitbucket repo:push event: the payload names no repository") }
        let refs = push.push.changes.compactMap { change in
            (change.new ?? change.old).map { ($0.type == "tag" ? "refs/tags/" : "refs/heads/") + $0.name }
        }
        return WebhookPush(urls: urls, refs: refs, commit: push.push.changes.last?.new?.target?.hash)
    }

    /// Server: `repository.links.clone[].href` (ssh and http) and `changes[].refId` (`refs/heads/main`).
    private struct ServerPush: Decodable {
        struct Repository: Decodable {
            struct Links: Decodable { let clone: [Href]? }
            let links: Links?
        }
        struct Change: Decodable { let refId: String, toHash: String? }

        let repository: Repository
        let changes: [Change]
    }

    private static func bitbucketServer(_ body: Data) throws -> WebhookPush {
        let push = try PayloadJSON.decode(ServerPush.self, from: body, what: "Bitbucket repo:refs_changed event")
        let urls = push.repository.links?.clone?.compactMap(\.href) ?? []
        guard !urls.isEmpty else {
            throw APIError.badRequest("Bitbucket repo:refs_changed event: repository.links.clone names no URL")
        }
        return WebhookPush(urls: urls, refs: push.changes.map(\.refId), commit: push.changes.last?.toHash)
    }

    /// What a CI job sends: `{"repository": "<URL or configured name>", "ref": "refs/heads/main", "commit": "<sha>"}`;
    /// `ref` and `commit` may be left out.
    private struct GenericRefresh: Decodable {
        let repository: String
        let ref: String?
        let commit: String?
    }

    static func generic(_ body: Data) throws -> WebhookEvent {
        let what = "generic webhook"
        let request = try PayloadJSON.decode(GenericRefresh.self, from: body, what: what)
        let repository = request.repository.trimmingCharacters(in: .whitespaces)
        guard !repository.isEmpty else { throw APIError.badRequest("\(what): repository is empty; give its URL or name") }
        var refs: [String]?
        if let ref = request.ref {
            guard !ref.isEmpty, !ref.contains(where: \.isWhitespace) else {
                throw APIError.badRequest("\(what): ref must be a ref such as refs/heads/main, not '\(ref)'")
            }
            // A bare name is a branch: what `git rev-parse --abbrev-ref HEAD` prints in CI.
            refs = [ref.hasPrefix("refs/") ? ref : "refs/heads/\(ref)"]
        }
        if let commit = request.commit {
            guard (4...64).contains(commit.count), ConstantTime.hexBytes(commit.count.isMultiple(of: 2) ? commit : "0" + commit) != nil
            else { throw APIError.badRequest("\(what): commit must be a hex commit id, not '\(commit)'") }
        }
        return .push(WebhookPush(urls: [repository], names: [repository], refs: refs, commit: request.commit))
    }
}
