import CapstanCore
import Foundation
import HTTPTypes
import Hummingbird

/// Reads what a delivery asks for from its event header and body, per provider.
enum WebhookPayloads {
    static func event(_ provider: WebhookProvider, headers: HTTPFields, body: Data) throws -> WebhookEvent {
        switch provider {
        case .github: try github(headers, body)
        case .gitlab: try gitlab(headers, body)
        case .gitea: try gitea(headers, body)
        case .bitbucket: try bitbucket(headers, body)
        case .generic: try generic(body)
        }
    }

    /// `X-GitHub-Event: push` or `ping`.
    private static func github(_ headers: HTTPFields, _ body: Data) throws -> WebhookEvent {
        switch try eventName(headers, [.githubEvent], provider: .github) {
        case "push": return .push(try hubPush(body, what: "GitHub push event", repositories: ["repository"]))
        case "ping": return .ping
        case let other: return .ignored("GitHub event \(other) is not acted on; only push refreshes")
        }
    }

    /// `X-Gitlab-Event: Push Hook` or `Tag Push Hook`; GitLab has no ping (its test button sends a push).
    private static func gitlab(_ headers: HTTPFields, _ body: Data) throws -> WebhookEvent {
        switch try eventName(headers, [.gitlabEvent], provider: .gitlab) {
        case "Push Hook", "Tag Push Hook":
            return .push(try hubPush(body, what: "GitLab push event", repositories: ["project", "repository"]))
        case let other: return .ignored("GitLab event \(other) is not acted on; only Push Hook refreshes")
        }
    }

    /// `X-Gitea-Event: push` (Forgejo and Gogs send their own header, with the same payload).
    private static func gitea(_ headers: HTTPFields, _ body: Data) throws -> WebhookEvent {
        switch try eventName(headers, [.giteaEvent, .forgejoEvent, .gogsEvent], provider: .gitea) {
        case "push": return .push(try hubPush(body, what: "Gitea push event", repositories: ["repository"]))
        case let other: return .ignored("Gitea event \(other) is not acted on; only push refreshes")
        }
    }

    /// The fields of a repository object that may hold its URL. GitHub and Gitea: clone_url, ssh_url, git_url,
    /// html_url, url. Their `homepage` is a link anyone sets (a fork's may name its upstream), so it is not one.
    static let urlFields: Set<String> = ["clone_url", "ssh_url", "git_url", "html_url", "url"]
    /// GitLab's: git_http_url, git_ssh_url, web_url, http_url, ssh_url, url, and `homepage`, which GitLab fills
    /// with the project's own web URL.
    static let gitlabURLFields: Set<String> = ["git_http_url", "git_ssh_url", "web_url", "http_url", "ssh_url", "url", "homepage"]

    static let repositoryShape = PayloadScanner.Shape(top: ["ref", "after"], nested: ["repository": urlFields])
    static let gitlabShape = PayloadScanner.Shape(top: ["ref", "after"],
                                                  nested: ["project": gitlabURLFields, "repository": gitlabURLFields])

    /// GitHub, GitLab and Gitea all send `ref`, `after` and objects of URLs (`repository`; GitLab's current
    /// `project` too, older versions only `repository`), read with ``PayloadScanner``.
    private static func hubPush(_ body: Data, what: String, repositories parents: [String]) throws -> WebhookPush {
        let picked: PayloadScanner.Picked
        do {
            picked = try PayloadScanner.pick(body, parents == ["repository"] ? repositoryShape : gitlabShape)
        } catch .notObject {
            throw APIError.badRequest("\(what): the body must be a JSON object")
        } catch {
            throw APIError.badRequest("\(what): the body is not JSON")
        }
        guard let ref = picked.top["ref"], ref != .null else { throw APIError.badRequest("\(what): ref is missing") }
        guard case .string(let ref) = ref else { throw APIError.badRequest("\(what): ref has the wrong type") }
        for parent in parents {
            if let found = picked.top[parent], found != .object, found != .null {
                throw APIError.badRequest("\(what): \(parent) has the wrong type")
            }
        }
        // Sorted, so that messages name the same URL whatever order the payload's fields come in.
        let urls = parents.flatMap { parent in
            (picked.nested[parent] ?? [:]).sorted { $0.key < $1.key }.compactMap { _, found -> String? in
                if case .string(let url) = found { url } else { nil }
            }
        }
        guard !urls.isEmpty else { throw APIError.badRequest("\(what): the payload names no repository URL") }
        let after: String? = if case .string(let commit)? = picked.top["after"] { commit } else { nil }
        return WebhookPush(urls: urls, refs: [ref], commit: after)
    }

    /// The event header's value; 400 when there is none, since every delivery of the provider carries it.
    static func eventName(_ headers: HTTPFields, _ names: [HTTPField.Name], provider: WebhookProvider) throws -> String {
        for name in names {
            // HTTP already strips the whitespace around a field value.
            if let value = headers[name] { return value }
        }
        throw APIError.badRequest("the \(names[0].rawName) header is missing; is this a \(provider.displayName) webhook?")
    }
}

extension HTTPField.Name {
    static let githubEvent = Self("X-GitHub-Event")!
    static let gitlabEvent = Self("X-Gitlab-Event")!
    static let giteaEvent = Self("X-Gitea-Event")!
    static let forgejoEvent = Self("X-Forgejo-Event")!
    static let gogsEvent = Self("X-Gogs-Event")!
    static let bitbucketEvent = Self("X-Event-Key")!
    static let hubSignature256 = Self("X-Hub-Signature-256")!
    static let hubSignature = Self("X-Hub-Signature")!
    static let giteaSignature = Self("X-Gitea-Signature")!
    static let forgejoSignature = Self("X-Forgejo-Signature")!
    static let gitlabToken = Self("X-Gitlab-Token")!
    static let webhookID = Self("webhook-id")!
    static let webhookTimestamp = Self("webhook-timestamp")!
    static let webhookSignature = Self("webhook-signature")!
    static let capstanSignature = Self("X-Capstan-Signature")!
}
