import CapstanConfig
import CapstanCore
import CapstanPluginKit
import Foundation

/// A ProcessService as stored in the state file (``ProcessService`` itself is not Codable).
struct ServiceSpec: Sendable, Hashable, Codable {
    var name: String
    var command: [String]
    var env: [String: String]
    var replicas: Int
    var port: Int
    var healthPath: String?
    var healthTimeoutMilliseconds: Int64

    init(_ service: ProcessService) {
        name = service.name
        command = service.command
        env = service.env
        replicas = service.replicas
        port = service.port
        healthPath = service.health.http
        let (seconds, attoseconds) = service.health.timeout.components
        healthTimeoutMilliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    var healthTimeout: Duration { .milliseconds(healthTimeoutMilliseconds) }

    /// The live object in the manifest's shape, for the engine's diff against Git.
    var manifest: JSONValue {
        var health: [String: JSONValue] = ["timeout": .string(DurationText.format(healthTimeout))]
        if let healthPath { health["http"] = .string(healthPath) }
        return .object([
            "kind": .string("ProcessService"), "name": .string(name),
            "command": .array(command.map(JSONValue.string)),
            "env": .object(env.mapValues(JSONValue.string)),
            "replicas": .number(Double(replicas)), "port": .number(Double(port)),
            "health": .object(health),
        ])
    }

    /// The ProcessServices among `manifests` (path → YAML text), in path order.
    /// Throws a ``StageFailure`` naming every problem when a manifest does not decode.
    static func decode(_ manifests: [String: String]) throws(StageFailure) -> [ServiceSpec] {
        var specs: [ServiceSpec] = []
        var problems: [String] = []
        for (path, text) in manifests.sorted(by: { $0.key < $1.key }) {
            let decoded = ManifestDecoder.decode(Data(text.utf8), file: path)
            guard let manifest = decoded.validValue else {
                problems += decoded.diagnostics.map(\.description)
                continue
            }
            switch manifest {
            case .processService(let service): specs.append(ServiceSpec(service))
            }
        }
        guard problems.isEmpty else { throw StageFailure("invalid manifests: " + problems.joined(separator: "; ")) }
        let names = specs.map(\.name)
        guard Set(names).count == names.count else { throw StageFailure("two ProcessServices share a name") }
        return specs
    }

    /// Reads the manifests at the same relative paths from another checkout (the previous commit's, for ROLLBACK).
    static func readManifests(paths: some Sequence<String>, in directory: String) throws(StageFailure) -> [String: String] {
        var manifests: [String: String] = [:]
        for path in paths {
            let file = (directory as NSString).appendingPathComponent(path)
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw StageFailure("cannot read \(file): the previous commit's checkout is missing")
            }
            manifests[path] = text
        }
        return manifests
    }
}

/// A stage's failure: its message becomes the stage's reason.
struct StageFailure: Error, Sendable, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
