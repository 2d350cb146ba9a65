import CapstanConfig
import CapstanCore
import CapstanTesting
import Foundation

/// The three config files as the fuzzers see them: the schema documents are generated from (field names from
/// `ConfigSchema` and `ServerConfigDecoder`), valid seeds to mutate, and the decoder's diagnostics.
struct ConfigFuzzTarget: Sendable {
    let name: String
    let file: String
    let schema: FuzzSchema
    let seeds: [String]
    let decode: @Sendable (Data, String) -> (hasValue: Bool, diagnostics: [ConfigDiagnostic])

    /// Half generated documents, half mutations of the seeds (and of generated documents).
    func input(_ rng: inout SplitMix64) -> [UInt8] {
        let others = seeds.map { Array($0.utf8) }
        if rng.chance(45) { return Array(FuzzYAML.document(schema, using: &rng).utf8) }
        let base = rng.chance(60) ? rng.pick(others) : Array(FuzzYAML.document(schema, using: &rng).utf8)
        return FuzzMutator.mutate(base, others: others, rounds: 6, using: &rng)
    }

    /// What is wrong with the answer to `input`, or nil: a failure must come with diagnostics, each located in
    /// the file (1-based line and column within it) with a field path unless it is about the whole document,
    /// and worded for people (short, no Swift type names).
    func problem(_ input: [UInt8]) -> String? {
        let (hasValue, diagnostics) = decode(Data(input), file)
        if !hasValue, diagnostics.isEmpty { return "no value and no diagnostic" }
        // libyaml counts CR, LF and CRLF as one line break each (and NEL, LS, PS, which only add lines).
        let breaks = zip(input, input.dropFirst() + [0]).count { byte, next in
            byte == UInt8(ascii: "\n") || (byte == UInt8(ascii: "\r") && next != UInt8(ascii: "\n")) || byte == 0x85 || byte == 0xA8
        }
        let lines = breaks + 2
        for diagnostic in diagnostics {
            let text = diagnostic.description
            guard diagnostic.file == file else { return "diagnostic names file \(diagnostic.file): \(text)" }
            guard diagnostic.line >= 1, diagnostic.column >= 1, diagnostic.line <= lines else {
                return "diagnostic outside the file (\(lines - 1) lines): \(text.prefix(300))"
            }
            guard !diagnostic.message.isEmpty, diagnostic.message.count <= 400 else {
                return "message is empty or \(diagnostic.message.count) characters long: \(text.prefix(300))"
            }
            if let leak = ["Optional(", "YamlError", "Yams.", "Swift.", "Error Domain", "Mark("].first(where: text.contains) {
                return "message shows \(leak): \(text.prefix(300))"
            }
            guard !diagnostic.field.isEmpty || Self.documentLevel.contains(where: diagnostic.message.hasPrefix) else {
                return "diagnostic without a field path: \(text.prefix(300))"
            }
        }
        return nil
    }

    /// Messages about the whole file, which have no field to name.
    static let documentLevel = [
        "YAML syntax error", "file is", "the file", "the document", "duplicate key", "expected a mapping",
        "keys must be plain strings",
    ]

    static let application = ConfigFuzzTarget(
        name: "config.application", file: "apps/shop/capstan.yaml",
        schema: FuzzSchema(
            objects: ConfigSchema.objects.merging([
                "With": Array(Set(ConfigSchema.objects.filter { $0.key.hasPrefix("StageOptions.") }.values.joined())).sorted(),
                "Labels": ["team", "env", "PATH"],
            ]) { first, _ in first },
            root: "Application",
            children: [
                "labels": "Labels", "env": "Labels", "manifests": "[]", "trigger": "Trigger", "paths": "[]", "ignore": "[]",
                "sync": "Sync", "rollback": "Rollback", "pipeline": "[Stage]", "with": "With", "metrics": "[Metric]",
                "expected": "Expected", "effectSize": "EffectSize", "approvers": "[]", "args": "Labels",
            ],
            words: ["capstan/v1", "Application", "process", "local", "service.yaml", "libs/**", "**/*.md", "checkout"]
                + StageKind.allCases.map(\.rawValue) + Strategy.allCases.map(\.rawValue)
                + AnalysisStrategy.allCases.map(\.rawValue) + ["prometheus", "http", "up", "2m", "10s", "1"]),
        seeds: [ConfigFuzzSeeds.application, ConfigFuzzSeeds.minimalApplication],
        decode: { data, file in
            let decoded = ApplicationDecoder.decode(data, file: file)
            return (decoded.value != nil, decoded.diagnostics)
        })

    static let manifest = ConfigFuzzTarget(
        name: "config.manifest", file: "apps/shop/service.yaml",
        schema: FuzzSchema(
            objects: ConfigSchema.objects.merging(["Labels": ["PORT", "MODE", ""]]) { first, _ in first },
            root: "ProcessService",
            children: ["command": "[]", "env": "Labels", "health": "HealthCheck"],
            words: ["capstan/v1", "ProcessService", "web", "python3", "-m", "http.server", "/healthz", "18080", "2", "5s"]),
        seeds: [ConfigFuzzSeeds.service],
        decode: { data, file in
            let decoded = ManifestDecoder.decode(data, file: file)
            return (decoded.value != nil, decoded.diagnostics)
        })

    static let server = ConfigFuzzTarget(
        name: "config.server", file: "capstan-server.yaml",
        schema: FuzzSchema(
            objects: ServerConfigDecoder.objects.merging(["Labels": ["metricsPort", "bind", "tags"]]) { first, _ in first },
            root: "ServerConfig",
            children: [
                "repositories": "[Repository]", "targets": "[Target]", "analysisProviders": "[AnalysisProvider]",
                "credentials": "Credentials", "auth": "Auth", "webhooks": "Webhooks", "github": "WebhookProvider",
                "gitlab": "WebhookProvider", "gitea": "WebhookProvider", "bitbucket": "WebhookProvider",
                "generic": "WebhookProvider", "webhookSecret": "WebhookSecret", "config": "Labels",
            ],
            words: ["apps", "file:///srv/git/apps.git", "https://u:p@git.example.com/a.git", "main", "30s", "local",
                    "process", "prometheus", "http://127.0.0.1:9090", "127.0.0.1:8080", "[::1]:80", "TOKEN", "/k",
                    "tokens.yaml", "true", "26214400"]),
        seeds: [ConfigFuzzSeeds.server, "{}"],
        decode: { data, file in
            let decoded = ServerConfigDecoder.decode(data, file: file)
            return (decoded.value != nil, decoded.diagnostics)
        })

    static let all = [application, manifest, server]
}
