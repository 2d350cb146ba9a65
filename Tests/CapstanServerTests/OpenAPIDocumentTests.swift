@testable import CapstanServer
import CapstanCore
import CapstanTesting
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// `docs/openapi.yaml` is what the server serves, and it describes the API as it is: every route the API
/// registers and nothing else, and the views' fields as they are encoded.
@Suite struct OpenAPIDocumentTests {
    static let docsFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../docs/openapi.yaml").standardized
    static let embeddedFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Sources/CapstanServer/OpenAPIDocument+Text.swift").standardized

    static func document() throws -> String { try String(contentsOf: docsFile, encoding: .utf8) }

    @Test func theEmbeddedDocumentIsDocsOpenAPIYAML() throws {
        let docs = try Self.document()
        if docs != OpenAPIDocument.text, ProcessInfo.processInfo.environment["CAPSTAN_UPDATE_OPENAPI"] == "1" {
            #expect(!docs.contains("\"\"\"#"), "a raw string literal cannot hold the document")
            let source = "// Generated from docs/openapi.yaml by OpenAPIDocumentTests (CAPSTAN_UPDATE_OPENAPI=1); do not edit.\n\n"
                + "extension OpenAPIDocument {\n    static let yaml = #\"\"\"\n" + docs + "\n\"\"\"#\n}\n"
            try source.write(to: Self.embeddedFile, atomically: true, encoding: .utf8)
            Issue.record("rewrote \(Self.embeddedFile.path); build and run the tests again")
            return
        }
        #expect(docs == OpenAPIDocument.text, """
            docs/openapi.yaml and the copy served differ: run \
            `CAPSTAN_UPDATE_OPENAPI=1 swift test --filter OpenAPIDocumentTests` to copy it, then build again
            """)
    }

    @Test(arguments: Transport.allCases)
    func theServerServesIt(_ transport: Transport) async throws {
        try await Seed.withAPI(transport) { client in
            let response = try await client.execute(uri: "/api/v1/openapi.yaml", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/yaml")
            #expect(String(buffer: response.body) == OpenAPIDocument.text)
        }
    }

    @Test func everyRegisteredRouteIsDocumentedAndEveryDocumentedRouteIsRegistered() throws {
        let outline = YAMLOutline(try Self.document())
        let documented = Set(outline.keys.compactMap { path -> String? in
            guard path.count == 3, path[0] == "paths", ["get", "post", "put", "patch", "delete"].contains(path[2]) else {
                return nil
            }
            return "\(path[2].uppercased()) \(path[1])"
        })
        // What the router holds (`/metrics` joins it in `application(metrics:)`), and the table of paths the
        // API answers 405 on; HEAD comes with every GET.
        let router = CapstanAPI.router(store: MemoryDeploymentStore())
        let registered = Set(router.routes.filter { $0.method != .head }.map { route in
            "\(route.method.rawValue) " + route.path.description.split(separator: "/").map { segment in
                segment.hasPrefix(":") ? "{\(segment.dropFirst())}" : String(segment)
            }.reduce("") { $0 + "/" + $1 }
        })
        let table = Set(CapstanAPI.routes.flatMap { route in
            route.methods.filter { $0 != .head }.map { "\($0.rawValue) \(route.path.description)" }
        })
        #expect(documented.count >= 17)
        #expect(registered.union(table).subtracting(documented).sorted() == [], "served but not in docs/openapi.yaml")
        #expect(documented.subtracting(registered).subtracting(table).sorted() == [], "in docs/openapi.yaml but not served")
    }

    @Test func everyReferenceResolves() throws {
        let text = try Self.document()
        let outline = YAMLOutline(text)
        let references = Set(text.components(separatedBy: "$ref: '#/").dropFirst().compactMap { $0.split(separator: "'").first })
        #expect(references.count > 20)
        for reference in references {
            #expect(outline.keys.contains(reference.split(separator: "/").map(String.init)), "\(reference)")
        }
    }

    @Test func theViewsHaveTheirSchemasFields() async throws {
        let outline = YAMLOutline(try Self.document())
        for (schema, sample) in try await Self.samples() {
            let keys = Set(try APIJSON.decoder().decode(JSONValue.self, from: try APIJSON.encoder().encode(sample)).keys)
            let required = Set(outline.flowList(["components", "schemas", schema, "required"]))
            let properties = Set(outline.keys.filter { $0.count == 5 && $0.prefix(4) == ["components", "schemas", schema, "properties"] }
                .map { $0[4] })
            #expect(!properties.isEmpty, "\(schema) has no properties in the document")
            #expect(required.subtracting(keys).sorted() == [], "\(schema): required in the document, not encoded")
            #expect(keys.subtracting(properties).sorted() == [], "\(schema): encoded, not in the document")
            #expect(required.isSubset(of: properties), "\(schema): required but not a property")
        }
    }

    /// One encoded instance of each view, as the routes make them (an ANALYSIS stage with its analysis).
    static func samples() async throws -> [(String, any Encodable & Sendable)] {
        let store = try await Seed.store()
        let deployment = try #require(try await store.deployment(Seed.running))
        let stages = try await store.stages(of: Seed.running)
        let events = try await store.events(of: Seed.running, stage: nil, kind: nil, after: 0, limit: 100)
        let analysisEvents = [
            Event(sequence: 90, NewEvent(kind: .analysisVerdict, at: Seed.at(1), stageIndex: 0, message: "verdict",
                                         data: ["metric": "error-rate", "classification": "Pass", "pValue": "0.4"])),
            Event(sequence: 91, NewEvent(kind: .analysisResult, at: Seed.at(2), stageIndex: 0, message: "result",
                                         data: ["score": "100", "result": "pass"])),
        ]
        let analysis = try #require(AnalysisView.byStage(analysisEvents)[0])
        let detail = DeploymentDetailView(deployment, stages: stages, approvals: try await store.approvals(of: Seed.running),
                                          events: events)
        let log = try #require(events.first { $0.kind == .stageLog })
        return [
            ("AppView", AppView(Seed.apps[0])),
            ("AppDetailView", AppDetailView(Seed.apps[0], lastDeployment: deployment)),
            ("AppDiffView", AppDiffView(Seed.apps[0])),
            ("DeploymentView", DeploymentView(deployment)),
            ("DeploymentDetailView", detail),
            ("StageView", StageView(stages[0], analysis: analysis)),
            ("AnalysisView", analysis),
            ("AnalysisMetricView", try #require(analysis.metrics.first)),
            ("ApprovalView", try #require(detail.approvals.first)),
            ("EventView", EventView(log)),
            ("StageLogsView", StageLogsView(deployment, stage: stages[0], events: [log], after: 0)),
            ("LogLineView", LogLineView(log)),
            ("ErrorBody", ErrorBody(code: "not_found", message: "no deployment d-42")),
            ("HealthView", HealthView(status: "unavailable", message: "disk I/O error")),
        ]
    }
}

/// The keys of a block-style YAML document by their paths (`["paths", "/api/v1/apps", "get"]`) — enough to
/// check the OpenAPI document's structure without a YAML library in this target. Block scalars (`|`) and
/// sequence items are skipped.
struct YAMLOutline {
    private(set) var keys: Set<[String]> = []
    private var values: [[String]: String] = [:]

    init(_ text: String) {
        var stack: [(indent: Int, key: String)] = []
        var blockIndent: Int?
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let content = raw.drop { $0 == " " }
            let indent = raw.count - content.count
            if content.isEmpty || content.hasPrefix("#") { continue }
            if let block = blockIndent, indent > block { continue }
            blockIndent = nil
            if content.hasPrefix("-") { continue }
            guard let (key, value) = Self.split(content) else { continue }
            while let last = stack.last, last.indent >= indent { stack.removeLast() }
            stack.append((indent, key))
            let path = stack.map(\.key)
            keys.insert(path)
            values[path] = value
            if value.hasPrefix("|") || value.hasPrefix(">") { blockIndent = indent }
        }
    }

    /// A `[a, b, c]` value as a list.
    func flowList(_ path: [String]) -> [String] {
        guard let value = values[path], value.hasPrefix("["), value.hasSuffix("]") else { return [] }
        return value.dropFirst().dropLast().split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    }

    /// `key: value` or `key:`, with a quoted key unquoted.
    private static func split(_ line: Substring) -> (String, String)? {
        var key: Substring, rest: Substring
        if let quote = line.first, quote == "'" || quote == "\"" {
            guard let close = line.dropFirst().firstIndex(of: quote) else { return nil }
            key = line[line.index(after: line.startIndex)..<close]
            rest = line[line.index(after: close)...]
            guard rest.hasPrefix(":") else { return nil }
            rest = rest.dropFirst()
        } else if let range = line.range(of: ": ") {
            key = line[..<range.lowerBound]
            rest = line[range.upperBound...]
        } else if line.hasSuffix(":") {
            key = line.dropLast()
            rest = ""
        } else {
            return nil
        }
        return (String(key), rest.trimmingCharacters(in: .whitespaces))
    }
}
