public import CapstanCore
public import Foundation
import Yams

/// Decodes desired-state files by their `kind:`.
public enum ManifestDecoder {
    /// The manifest kinds Capstan knows, per platform.
    public static let kindsByPlatform: [String: [String]] = ["process": ["ProcessService"]]

    /// Decodes one manifest; `file` is the name used in diagnostics.
    public static func decode(_ data: Data, file: String) -> Decoded<Manifest> {
        let reader = YAMLReader(file: file)
        guard let root = reader.parse(data) else { return Decoded(value: nil, diagnostics: reader.diagnostics) }
        guard case .mapping(let mapping) = root, let kindNode = mapping["kind"], let kind = kindNode.string else {
            reader.error("a manifest needs a kind (one of ProcessService)", at: root, .root.key("kind"))
            return Decoded(value: nil, diagnostics: reader.diagnostics)
        }
        let value: Manifest?
        switch kind {
        case "ProcessService":
            value = decodeProcessService(root, reader).map(Manifest.processService)
        default:
            let known = kindsByPlatform.values.flatMap { $0 }
            let hint = Suggestion.closest(to: kind, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
            reader.error("unknown manifest kind \(quote(kind)) (known: \(known.joined(separator: ", ")))\(hint)",
                         at: kindNode, .root.key("kind"))
            value = nil
        }
        return Decoded(value: value, diagnostics: reader.diagnostics)
    }

    static func decodeProcessService(_ node: Node, _ r: YAMLReader) -> ProcessService? {
        guard let doc = r.mapping(node, .root, known: ConfigSchema.processService) else { return nil }
        ApplicationDecoder.checkHeader(doc, kind: "ProcessService")
        let name = doc.required("name", r.name)
        let command = doc.required("command") { node, path -> [String]? in
            guard let argv = r.list(node, path, r.string) else { return nil }
            guard let program = argv.first, !program.trimmingCharacters(in: .whitespaces).isEmpty else {
                r.error("needs at least the program to run", at: node, path)
                return nil
            }
            return argv
        }
        let env = doc.optional("env", r.stringMap) ?? [:]
        let replicas = doc.optional("replicas") { r.int($0, $1, in: 0...1000) } ?? 1
        let port = doc.required("port") { r.int($0, $1, in: 1...65535) }
        let health = doc.optional("health") { node, path -> HealthCheck? in
            guard let f = r.mapping(node, path, known: ConfigSchema.healthCheck) else { return nil }
            let http = f.optional("http") { node, path -> String? in
                guard let text = r.nonEmptyString(node, path) else { return nil }
                guard text.hasPrefix("/") else {
                    r.error("expected an HTTP path starting with /, got \(quote(text))", at: node, path)
                    return nil
                }
                return text
            }
            return HealthCheck(http: http, timeout: f.optional("timeout", r.positiveDuration) ?? .seconds(10))
        } ?? HealthCheck()
        guard let name, let command, let port else { return nil }
        return ProcessService(name: name, command: command, env: env, replicas: replicas, port: port, health: health)
    }
}
