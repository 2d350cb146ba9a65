public import CapstanCore
public import Foundation
import Yams

/// Decodes a `capstan.yaml` into an ``Application``, reporting every problem with file, line, column and field.
public enum ApplicationDecoder {
    /// The file name that marks an application's folder.
    public static let fileName = "capstan.yaml"

    /// Decodes one file; `file` is the name used in diagnostics.
    public static func decode(_ data: Data, file: String) -> DecodedApplication {
        let reader = YAMLReader(file: file)
        let app = reader.parse(data).flatMap { decodeApplication($0, reader) }
        return DecodedApplication(value: app, diagnostics: reader.diagnostics, locations: reader.locations)
    }

    static func decodeApplication(_ node: Node, _ r: YAMLReader) -> Application? {
        guard let doc = r.mapping(node, .root, known: ConfigSchema.application) else { return nil }
        checkHeader(doc, kind: "Application")
        let name = doc.required("name", r.name)
        let labels = doc.optional("labels", r.stringMap) ?? [:]
        let platform = doc.optional("platform", r.name) ?? "process"
        let target = doc.optional("target", r.name) ?? "local"
        let manifests = doc.required("manifests") { node, path in manifestList(node, path, r) }
        let trigger = doc.optional("trigger") { decodeTrigger($0, $1, r) } ?? Trigger()
        let sync = doc.optional("sync") { node, path -> SyncPolicy? in
            guard let fields = r.mapping(node, path, known: ConfigSchema.sync) else { return nil }
            return SyncPolicy(auto: fields.optional("auto", r.bool) ?? true,
                              selfHeal: fields.optional("selfHeal", r.bool) ?? false)
        } ?? SyncPolicy()
        let strategy = doc.optional("strategy") { r.choice($0, $1, Strategy.self) } ?? .auto
        let pipeline = doc.optional("pipeline") { decodePipeline($0, $1, r) } ?? []
        let rollback = doc.optional("rollback") { node, path -> RollbackPolicy? in
            guard let fields = r.mapping(node, path, known: ConfigSchema.rollback) else { return nil }
            return RollbackPolicy(auto: fields.optional("auto", r.bool) ?? true)
        } ?? RollbackPolicy()
        if strategy == .pipeline, pipeline.isEmpty {
            r.error("strategy pipeline needs a pipeline with at least one stage", at: doc.node("strategy"), .root.key("strategy"))
        }
        guard let name, let manifests else { return nil }
        return Application(name: name, labels: labels, platform: platform, target: target, manifests: manifests,
                           trigger: trigger, sync: sync, strategy: strategy, pipeline: pipeline, rollback: rollback)
    }

    /// `apiVersion` and `kind` must name this schema, so a future v2 file is never misread as v1.
    static func checkHeader(_ doc: Fields, kind: String) {
        let r = doc.reader
        if let version = doc.required("apiVersion", r.string), version != ConfigSchema.apiVersion {
            r.error("expected \"\(ConfigSchema.apiVersion)\", got \(quote(version))", at: doc.node("apiVersion"), .root.key("apiVersion"))
        }
        if let actual = doc.required("kind", r.string), actual != kind {
            r.error("expected \"\(kind)\", got \(quote(actual))", at: doc.node("kind"), .root.key("kind"))
        }
    }

    private static func manifestList(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> [String]? {
        guard let items = r.list(node, path, { item, itemPath -> String? in
            guard let text = r.nonEmptyString(item, itemPath) else { return nil }
            guard !text.hasPrefix("/") else {
                r.error("manifest path \(quote(text)) is absolute; name it relative to the application's folder",
                        at: item, itemPath)
                return nil
            }
            return text
        }) else { return nil }
        if items.isEmpty, case .sequence(let seq) = node, seq.isEmpty {
            r.error("list at least one manifest", at: node, path)
        }
        return items
    }

    private static func decodeTrigger(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> Trigger? {
        guard let fields = r.mapping(node, path, known: ConfigSchema.trigger) else { return nil }
        let globs = { (node: Node, path: FieldPath) in r.list(node, path, r.glob) }
        return Trigger(paths: fields.optional("paths", globs) ?? [], ignore: fields.optional("ignore", globs) ?? [])
    }
}

/// A decoded `capstan.yaml`, with where each field sits so later checks can point at it.
public struct DecodedApplication: Sendable {
    public var value: Application?
    public var diagnostics: [ConfigDiagnostic]
    /// Field path (`manifests[0]`) → line and column.
    public var locations: [String: SourceLocation]

    /// The application when its file has no problem at all.
    public var validValue: Application? { diagnostics.isEmpty ? value : nil }

    init(value: Application?, diagnostics: [ConfigDiagnostic], locations: [String: Mark]) {
        self.value = value
        self.diagnostics = diagnostics
        self.locations = locations.mapValues { SourceLocation(line: $0.line, column: $0.column) }
    }
}

/// A 1-based line and column in a file.
public struct SourceLocation: Sendable, Hashable {
    public var line: Int
    public var column: Int
}
