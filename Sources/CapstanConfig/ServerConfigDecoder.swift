public import CapstanCore
public import Foundation
import Yams

/// Decodes the server config (`capstan serve --config FILE`) with errors that name file, line and field.
public enum ServerConfigDecoder {
    /// The fields of each object of the server config.
    public static let objects: [String: [String]] = [
        "ServerConfig": [
            "dataDir", "listen", "repositories", "targets", "driftInterval", "selfHealWindow", "analysisProviders",
            "auth", "webhooks", "notifications",
        ],
        "Repository": ["name", "url", "branch", "pollInterval", "credentials", "webhookSecret"],
        "Credentials": ["username", "tokenEnv", "tokenFile", "sshKeyFile", "passphraseEnv", "passphraseFile"],
        "Target": ["name", "plugin", "config"],
        "AnalysisProvider": ["name", "type", "url", "timeout", "credentials"],
        "ProviderCredentials": ["username", "tokenEnv", "tokenFile", "passwordEnv", "passwordFile"],
        "Auth": ["tokensFile", "anonymousRead"],
    ].merging(webhookObjects) { first, _ in first }.merging(notificationObjects) { first, _ in first }

    /// Decodes one file; `file` is the name used in diagnostics.
    public static func decode(_ data: Data, file: String) -> Decoded<ServerConfig> {
        let reader = YAMLReader(file: file)
        let value = reader.parse(data).flatMap { decodeServer($0, reader) }
        return Decoded(value: value, diagnostics: reader.diagnostics)
    }

    static func decodeServer(_ node: Node, _ r: YAMLReader) -> ServerConfig? {
        guard let doc = r.mapping(node, .root, known: objects["ServerConfig"]!) else { return nil }
        var config = ServerConfig()
        config.dataDir = doc.optional("dataDir", r.nonEmptyString) ?? config.dataDir
        config.listen = doc.optional("listen") { listenAddress($0, $1, r) } ?? config.listen
        config.driftInterval = doc.optional("driftInterval", r.positiveDuration) ?? config.driftInterval
        config.selfHealWindow = doc.optional("selfHealWindow", r.positiveDuration) ?? config.selfHealWindow
        config.repositories = doc.optional("repositories") { node, path in
            r.list(node, path) { repository($0, $1, r) }.map { unique($0, \.name, what: "repository", node, path, r) }
        } ?? []
        config.targets = doc.optional("targets") { node, path in
            r.list(node, path) { target($0, $1, r) }.map { unique($0, \.name, what: "target", node, path, r) }
        } ?? config.targets
        config.analysisProviders = doc.optional("analysisProviders") { node, path in
            r.list(node, path) { analysisProvider($0, $1, r) }
                .map { unique($0, \.name, what: "analysis provider", node, path, r) }
        } ?? []
        config.auth = doc.optional("auth") { auth($0, $1, r) }
        config.webhooks = doc.optional("webhooks") { webhooks($0, $1, r) } ?? config.webhooks
        config.notifications = doc.optional("notifications") { node, path in
            r.list(node, path) { notification($0, $1, r) }.map { unique($0, \.name, what: "notification", node, path, r) }
        } ?? []
        return config
    }

    /// `host:port` or `[v6]:port`.
    private static func listenAddress(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> String? {
        guard let text = r.nonEmptyString(node, path) else { return nil }
        guard let colon = text.lastIndex(of: ":"), colon != text.startIndex,
              let port = Int(text[text.index(after: colon)...]), (1...65535).contains(port)
        else {
            r.error("expected host:port like 127.0.0.1:8080, got \(quote(text))", at: node, path)
            return nil
        }
        return text
    }

    private static func repository(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> RepositoryConfig? {
        guard let f = r.mapping(node, path, known: objects["Repository"]!) else { return nil }
        let name = f.required("name", r.name)
        let url = f.required("url", r.nonEmptyString)
        let branch = f.optional("branch", r.nonEmptyString) ?? "main"
        let interval = f.optional("pollInterval", r.positiveDuration) ?? .seconds(30)
        let credentials = f.optional("credentials") { decodeCredentials($0, $1, r) } ?? RepositoryCredentials.none
        let webhookSecret = f.optional("webhookSecret") { Self.webhookSecret($0, $1, r) }
        guard let name, let url else { return nil }
        if url.contains("@"), url.contains("://"), url.split(separator: "@")[0].contains(":") {
            r.error("the URL holds a password or token; name it with credentials.tokenEnv or tokenFile instead",
                    at: f.node("url"), path.key("url"))
            return nil
        }
        return RepositoryConfig(name: name, url: url, branch: branch, pollInterval: interval, credentials: credentials,
                                webhookSecret: webhookSecret)
    }

    private static func decodeCredentials(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> RepositoryCredentials? {
        guard let f = r.mapping(node, path, known: objects["Credentials"]!) else { return nil }
        let username = f.optional("username", r.nonEmptyString)
        let kinds = ["tokenEnv", "tokenFile", "sshKeyFile"].filter { f.has($0) }
        guard kinds.count == 1 else {
            r.error("give exactly one of tokenEnv, tokenFile or sshKeyFile" + (kinds.isEmpty ? "" : " (got \(kinds.joined(separator: ", ")))"),
                    at: node, path)
            return nil
        }
        if f.has("passphraseEnv") || f.has("passphraseFile"), kinds[0] != "sshKeyFile" {
            r.error("a passphrase only applies to sshKeyFile", at: node, path)
        }
        switch kinds[0] {
        case "tokenEnv": return f.optional("tokenEnv", r.nonEmptyString).map { .token(source: .environment($0), username: username) }
        case "tokenFile": return f.optional("tokenFile", r.nonEmptyString).map { .token(source: .file($0), username: username) }
        default:
            let passphrase = f.optional("passphraseEnv", r.nonEmptyString).map(SecretSource.environment)
                ?? f.optional("passphraseFile", r.nonEmptyString).map(SecretSource.file)
            return f.optional("sshKeyFile", r.nonEmptyString).map { .sshKey(path: $0, passphrase: passphrase, username: username) }
        }
    }

    private static func target(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> TargetConfig? {
        guard let f = r.mapping(node, path, known: objects["Target"]!) else { return nil }
        let name = f.required("name", r.name)
        let plugin = f.required("plugin", r.name)
        let config = f.optional("config") { node, path -> [String: JSONValue]? in
            guard case .object(let object) = json(node, path, r) else {
                r.error("expected a mapping, got \(node.kindName)", at: node, path)
                return nil
            }
            return object
        } ?? [:]
        guard let name, let plugin else { return nil }
        return TargetConfig(name: name, plugin: plugin, config: config)
    }

    /// Free-form YAML as JSON: plain `true`/`false`, numbers and null keep their type, the rest are strings.
    static func json(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> JSONValue {
        switch node {
        case .scalar(let scalar):
            if node.isNull { return .null }
            guard scalar.style == .plain else { return .string(scalar.string) }
            if scalar.string == "true" { return .bool(true) }
            if scalar.string == "false" { return .bool(false) }
            if let number = Double(scalar.string), number.isFinite { return .number(number) }
            return .string(scalar.string)
        case .sequence(let items):
            return .array(items.enumerated().map { json($1, path.index($0), r) })
        case .mapping(let mapping):
            var object: [String: JSONValue] = [:]
            for (key, value) in mapping {
                guard let name = r.string(key, path) else { continue }
                object[name] = json(value, path.key(name), r)
            }
            return .object(object)
        case .alias:
            r.error("aliases are not supported here", at: node, path)
            return .null
        }
    }

    /// Reports the second of two entries with one name and keeps the first.
    static func unique<T>(_ items: [T], _ key: KeyPath<T, String>, what: String, _ node: Node, _ path: FieldPath,
                                  _ r: YAMLReader) -> [T] {
        var seen: Set<String> = []
        return items.filter { item in
            let name = item[keyPath: key]
            guard seen.insert(name).inserted else {
                r.error("two \(what) entries are named \(quote(name))", at: node, path)
                return false
            }
            return true
        }
    }
}
