import CapstanConfig
import Foundation
import Testing

/// The published JSON Schemas (docs/schema/) must accept exactly what the decoder accepts, and the
/// examples must validate against them the way an editor with yaml-language-server would check them.
@Suite struct SchemaTests {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let applicationSchema = root.appendingPathComponent("docs/schema/capstan-application.schema.json")
    static let serviceSchema = root.appendingPathComponent("docs/schema/process-service.schema.json")
    static let serverSchema = root.appendingPathComponent("docs/schema/server-config.schema.json")
    static let validator = root.appendingPathComponent("Tests/Fixtures/schema/validate.py")

    @Test("the schema against the decoder")
    func schemaMatchesDecoder() throws {
        var defs: [String: (file: String, def: [String: Any])] = [:]
        for url in [Self.applicationSchema, Self.serviceSchema] {
            let file = url.lastPathComponent
            let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
            let schema = try #require(json as? [String: Any], "\(file) is not a JSON object")
            #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema", "\(file): $schema")
            let fileDefs = try #require(schema["$defs"] as? [String: Any], "\(file) has no $defs")
            for (name, value) in fileDefs {
                #expect(defs[name] == nil, "$defs.\(name) is in both \(defs[name]?.file ?? "") and \(file)")
                let def = try #require(value as? [String: Any], "\(file): $defs.\(name) is not an object")
                defs[name] = (file, def)
            }
        }

        Self.check(defs, against: ConfigSchema.objects)
    }

    @Test("the server config schema against the decoder")
    func serverSchemaMatchesDecoder() throws {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: Self.serverSchema))
        let schema = try #require(json as? [String: Any], "server-config.schema.json is not a JSON object")
        #expect(schema["$schema"] as? String == "https://json-schema.org/draft/2020-12/schema")
        let fileDefs = try #require(schema["$defs"] as? [String: Any], "server-config.schema.json has no $defs")
        var defs: [String: (file: String, def: [String: Any])] = [:]
        for (name, value) in fileDefs {
            defs[name] = ("server-config.schema.json", try #require(value as? [String: Any], "$defs.\(name) is not an object"))
        }
        Self.check(defs, against: ServerConfigDecoder.objects)
    }

    @Test("server configs against the server schema")
    func serverConfigsValidate() throws {
        let python = try Self.python()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let good = folder.appendingPathComponent("good.yaml"), bad = folder.appendingPathComponent("bad.yaml")
        try Data("""
            listen: 127.0.0.1:8080
            repositories:
              - {name: apps, url: "file:///srv/git/apps.git", credentials: {tokenEnv: APPS_TOKEN}}
            targets:
              - {name: local, plugin: process, config: {metricsPort: 19100}}
            analysisProviders:
              - {name: prometheus, type: prometheus, url: "http://127.0.0.1:9090", timeout: 10s}
              - {name: thanos, type: prometheus, url: "https://t.example.com/p", credentials: {username: c, passwordEnv: P}}
              - {name: smoke, type: http, timeout: 5s}
            """.utf8).write(to: good)
        try Data("""
            analysisProviders:
              - {name: a, type: promethus, url: "http://p:9090"}
              - {name: b, type: http, url: "http://x"}
              - {name: c, type: prometheus, url: "http://p", credentials: {tokenEnv: T, username: u}}
            """.utf8).write(to: bad)
        // The decoder agrees with the schema on both files.
        #expect(ServerConfigDecoder.decode(try Data(contentsOf: good), file: "good.yaml").diagnostics.isEmpty)
        #expect(ServerConfigDecoder.decode(try Data(contentsOf: bad), file: "bad.yaml").diagnostics.count == 3)
        let valid = try Self.run(python, [Self.validator.path, Self.serverSchema.path, good.path])
        #expect(valid.status == 0, "validate.py exited \(valid.status):\n\(valid.output)")
        let invalid = try Self.run(python, [Self.validator.path, Self.serverSchema.path, bad.path])
        #expect(invalid.status == 1, "validate.py exited \(invalid.status):\n\(invalid.output)")
        for field in ["analysisProviders[0]", "analysisProviders[1]", "analysisProviders[2]"] {
            #expect(invalid.output.contains(field), "\(field) is not reported:\n\(invalid.output)")
        }
    }

    /// Each object the decoder knows is a `$defs` entry with the same fields, closed and documented.
    static func check(_ defs: [String: (file: String, def: [String: Any])], against objects: [String: [String]]) {
        let missing = Set(objects.keys).subtracting(defs.keys).sorted()
        #expect(missing.isEmpty, "the decoder has objects the schemas do not define: \(missing)")
        let extra = Set(defs.keys).subtracting(objects.keys).sorted()
        #expect(extra.isEmpty, "the schemas define objects the decoder does not know: \(extra)")

        for (name, fields) in objects.sorted(by: { $0.key < $1.key }) {
            guard let (file, def) = defs[name] else { continue }
            let properties = def["properties"] as? [String: Any] ?? [:]
            let inDecoder = Set(fields), inSchema = Set(properties.keys)
            let notInSchema = inDecoder.subtracting(inSchema).sorted()
            let notInDecoder = inSchema.subtracting(inDecoder).sorted()
            #expect(notInSchema.isEmpty && notInDecoder.isEmpty,
                    "\(file) $defs.\(name): fields the decoder accepts but the schema lacks: \(notInSchema); fields the schema has but the decoder rejects: \(notInDecoder)")
            #expect(def["type"] as? String == "object", "\(file) $defs.\(name) must have \"type\": \"object\"")
            #expect(def["additionalProperties"] as? Bool == false,
                    "\(file) $defs.\(name) must have \"additionalProperties\": false (the decoder rejects unknown fields)")
            let undocumented = properties.filter { ($0.value as? [String: Any])?["description"] as? String == nil }
                .keys.sorted()
            #expect(undocumented.isEmpty, "\(file) $defs.\(name): properties without a description: \(undocumented)")
            let required = Set(def["required"] as? [String] ?? [])
            #expect(required.isSubset(of: inSchema),
                    "\(file) $defs.\(name) requires fields it does not define: \(required.subtracting(inSchema).sorted())")
        }
    }

    @Test("the examples against the schema")
    func examplesValidate() throws {
        let python = try Self.python()
        let examples = Self.root.appendingPathComponent("manifests/examples")
        let folders = try FileManager.default.contentsOfDirectory(atPath: examples.path).sorted()
        let existing = { (name: String) in
            folders.map { examples.appendingPathComponent($0).appendingPathComponent(name) }
                .filter { FileManager.default.fileExists(atPath: $0.path) }
        }
        let apps = existing("capstan.yaml"), services = existing("service.yaml")
        #expect(!apps.isEmpty && !services.isEmpty, "no examples found under \(examples.path)")

        for (schema, files) in [(Self.applicationSchema, apps), (Self.serviceSchema, services)] where !files.isEmpty {
            let result = try Self.run(python, [Self.validator.path, schema.path] + files.map(\.path))
            #expect(result.status == 0, "validate.py \(schema.lastPathComponent) exited \(result.status):\n\(result.output)")
            for file in files { try Self.checkModeline(file, names: schema) }
        }
    }

    @Test("an invalid file fails the schema, naming each problem")
    func invalidFileFails() throws {
        let python = try Self.python()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("capstan.yaml")
        try Data("""
            apiVersion: capstan/v1
            kind: Application
            name: checkout
            manifests: [service.yaml]
            colour: blue
            strategy: sometimes
            """.utf8).write(to: file)

        let result = try Self.run(python, [Self.validator.path, Self.applicationSchema.path, file.path])
        #expect(result.status == 1, "validate.py should exit 1, exited \(result.status):\n\(result.output)")
        #expect(result.output.contains("colour"), "the unknown field is not reported:\n\(result.output)")
        #expect(result.output.contains("strategy") && result.output.contains("sometimes"),
                "the wrong strategy is not reported:\n\(result.output)")
        #expect(result.output.contains(file.path + ": "), "errors should start with the file:\n\(result.output)")
    }

    // MARK: Helpers

    /// An example's `# yaml-language-server: $schema=...` line, if it has one, must point at `schema`.
    static func checkModeline(_ file: URL, names schema: URL) throws {
        let text = try String(contentsOf: file, encoding: .utf8)
        let marker = "# yaml-language-server: $schema="
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix(marker) }) else { return }
        let target = file.deletingLastPathComponent().appendingPathComponent(String(line.dropFirst(marker.count)))
        #expect(target.standardizedFileURL.path == schema.standardizedFileURL.path,
                "\(file.path): the $schema line points at \(target.standardizedFileURL.path), not \(schema.path)")
    }

    /// The first interpreter that has jsonschema and PyYAML: `python3` on PATH, then Debian's.
    static func python() throws -> [String] {
        let candidates = [["/usr/bin/env", "python3"], ["/usr/bin/python3"]]
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate[0]) {
            if let result = try? run(candidate, ["-c", "import jsonschema, yaml"]), result.status == 0 {
                return candidate
            }
        }
        throw MissingPython()
    }

    struct MissingPython: Error, CustomStringConvertible {
        var description: String {
            "no Python 3 with jsonschema and PyYAML (tried python3 on PATH, then /usr/bin/python3): "
                + "run `make deps` to install python3-jsonschema and python3-yaml"
        }
    }

    /// Runs `command + arguments`; returns the exit status and stdout and stderr together.
    static func run(_ command: [String], _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst()) + arguments
        process.currentDirectoryURL = root
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
