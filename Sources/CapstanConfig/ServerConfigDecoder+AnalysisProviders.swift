import CapstanCore
import Foundation
import Yams

extension ServerConfigDecoder {
    static func analysisProvider(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> AnalysisProviderConfig? {
        guard let f = r.mapping(node, path, known: objects["AnalysisProvider"]!) else { return nil }
        let name = f.required("name", r.name)
        let kind = f.required("type") { r.choice($0, $1, AnalysisProviderConfig.Kind.self) }
        let timeout = f.optional("timeout", r.positiveDuration) ?? .seconds(10)
        let credentials = f.optional("credentials") { providerCredentials($0, $1, r) } ?? ProviderCredentials.none
        guard let name, let kind else { return nil }
        switch kind {
        case .prometheus:
            guard f.has("url") else {
                r.error("required field is missing (the Prometheus server, like http://127.0.0.1:9090)",
                        at: node, path.key("url"))
                return nil
            }
            guard let url = f.optional("url", { providerURL($0, $1, r) }) else { return nil }
            return AnalysisProviderConfig(name: name, kind: kind, url: url, timeout: timeout, credentials: credentials)
        case .http:
            // The URL comes from each metric, that is from application repositories: a credential here
            // could be sent to any host a metric names, so the http provider takes none.
            if f.has("url") {
                r.error("an http provider has no url: each metric's query is the URL it checks",
                        at: f.node("url"), path.key("url"))
            }
            if f.has("credentials") {
                r.error("an http provider sends no credentials: its URLs come from the applications' metrics, "
                        + "so they could be sent anywhere", at: f.node("credentials"), path.key("credentials"))
            }
            return AnalysisProviderConfig(name: name, kind: kind, timeout: timeout)
        }
    }

    /// An absolute http(s) URL with a host, no query or fragment, and no password written into it.
    private static func providerURL(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> String? {
        guard let text = r.nonEmptyString(node, path) else { return nil }
        guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty
        else {
            r.error("expected an http:// or https:// URL like http://127.0.0.1:9090, got \(quote(text))", at: node, path)
            return nil
        }
        if url.password != nil || url.user != nil {
            r.error("the URL holds credentials; name them with credentials (tokenEnv, passwordEnv, ...) instead",
                    at: node, path)
            return nil
        }
        if url.query != nil || url.fragment != nil {
            r.error("expected the server's base URL without ?query or #fragment, got \(quote(text))", at: node, path)
            return nil
        }
        return text
    }

    private static func providerCredentials(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> ProviderCredentials? {
        guard let f = r.mapping(node, path, known: objects["ProviderCredentials"]!) else { return nil }
        let kinds = ["tokenEnv", "tokenFile", "passwordEnv", "passwordFile"].filter { f.has($0) }
        guard kinds.count == 1 else {
            r.error("give exactly one of tokenEnv, tokenFile (a bearer token), passwordEnv or passwordFile (basic auth)"
                    + (kinds.isEmpty ? "" : " (got \(kinds.joined(separator: ", ")))"), at: node, path)
            return nil
        }
        let source = f.optional(kinds[0], r.nonEmptyString).map {
            kinds[0].hasSuffix("Env") ? SecretSource.environment($0) : SecretSource.file($0)
        }
        let username = f.optional("username", r.nonEmptyString)
        guard let source else { return nil }
        if kinds[0].hasPrefix("token") {
            if f.has("username") {
                r.error("username only applies to basic auth (passwordEnv or passwordFile)",
                        at: f.node("username"), path.key("username"))
                return nil
            }
            return .bearer(token: source)
        }
        guard let username else {
            if !f.has("username") {
                r.error("basic auth needs a username", at: node, path.key("username"))
            }
            return nil
        }
        return .basic(username: username, password: source)
    }
}
