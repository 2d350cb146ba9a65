public import CapstanCore
import Foundation

/// The applications found in one revision of a repository, and what was wrong with the rest.
public struct AppCatalog: Sendable {
    /// Valid applications, sorted by config path.
    public var apps: [DiscoveredApp]
    public var diagnostics: [ConfigDiagnostic]
    /// Config path → where each field sits, for checks that point back into capstan.yaml.
    var locations: [String: [String: SourceLocation]]
}

/// Finds every `capstan.yaml` in a tree and decodes it; checks the manifests each one names.
public enum AppDiscovery {
    /// Decodes every application config in `tree`. `displayPrefix` is put before repository paths in
    /// diagnostics (e.g. the folder the user named on the command line).
    public static func discover(in tree: some SourceTree, displayPrefix: String = "") async throws -> AppCatalog {
        let configs = try await tree.files().filter { RepoPath.name(of: $0) == ApplicationDecoder.fileName }.sorted()
        var catalog = AppCatalog(apps: [], diagnostics: [], locations: [:])
        var firstByName: [String: (path: String, location: SourceLocation?)] = [:]
        var duplicated: Set<String> = []
        for path in configs {
            if try await tree.symlink(on: path) != nil {
                catalog.diagnostics.append(ConfigDiagnostic(
                    file: displayPrefix + path, line: 1, column: 1, field: "",
                    message: "\(ApplicationDecoder.fileName) is a symbolic link; commit the file itself (Capstan never follows links)"))
                continue
            }
            guard let data = try await tree.read(path) else { continue }
            let decoded = ApplicationDecoder.decode(data, file: displayPrefix + path)
            catalog.diagnostics += decoded.diagnostics
            catalog.locations[path] = decoded.locations
            guard let spec = decoded.value, decoded.diagnostics.isEmpty else { continue }
            let here = decoded.locations["name"]
            if let first = firstByName[spec.name] {
                let there = first.location.map { ":\($0.line):\($0.column)" } ?? ""
                catalog.diagnostics.append(ConfigDiagnostic(
                    file: displayPrefix + path, line: here?.line ?? 1, column: here?.column ?? 1, field: "name",
                    message: "application \(quote(spec.name)) is already defined in \(displayPrefix + first.path)\(there); "
                        + "names must be unique in a repository"))
                duplicated.insert(spec.name)
                continue
            }
            firstByName[spec.name] = (path, here)
            catalog.apps.append(DiscoveredApp(spec: spec, configPath: path))
        }
        // Neither of two same-named applications deploys: which one was meant is for a human to say.
        catalog.apps.removeAll { duplicated.contains($0.spec.name) }
        return catalog
    }

    /// Reads and decodes the manifests `app` names. Returns them with any problem found, each located in
    /// the manifest itself or, for a missing or escaping path, at the `manifests[i]` entry of capstan.yaml.
    public static func manifests(
        of app: DiscoveredApp, in tree: some SourceTree, catalog: AppCatalog, displayPrefix: String = ""
    ) async throws -> Decoded<[Manifest]> {
        let locations = catalog.locations[app.configPath] ?? [:]
        let configFile = displayPrefix + app.configPath
        var diagnostics: [ConfigDiagnostic] = []
        func fail(_ field: String, _ message: String) {
            let at = locations[field] ?? SourceLocation(line: 1, column: 1)
            diagnostics.append(ConfigDiagnostic(file: configFile, line: at.line, column: at.column, field: field,
                                                message: message))
        }
        guard let kinds = ManifestDecoder.kindsByPlatform[app.spec.platform] else {
            let known = ManifestDecoder.kindsByPlatform.keys.sorted().joined(separator: ", ")
            fail("platform", "unknown platform \(quote(app.spec.platform)) (known: \(known))")
            return Decoded(value: nil, diagnostics: diagnostics)
        }
        var manifests: [Manifest] = []
        for (index, relative) in app.spec.manifests.enumerated() {
            let field = "manifests[\(index)]"
            guard let path = RepoPath.resolve(relative, in: app.folder) else {
                fail(field, "manifest path \(quote(relative)) leaves the repository")
                continue
            }
            if let link = try await tree.symlink(on: path) {
                fail(field, "manifest path \(quote(relative)) goes through \(displayPrefix + link), a symbolic link; "
                     + "Capstan reads only files committed in the repository, never where a link points")
                continue
            }
            guard let data = try await tree.read(path) else {
                fail(field, "manifest \(displayPrefix + path) does not exist")
                continue
            }
            let decoded = ManifestDecoder.decode(data, file: displayPrefix + path)
            diagnostics += decoded.diagnostics
            guard let manifest = decoded.value else { continue }
            guard kinds.contains(manifest.kind) else {
                fail(field, "a \(manifest.kind) cannot run on platform \(app.spec.platform) (it takes \(kinds.joined(separator: ", ")))")
                continue
            }
            manifests.append(manifest)
        }
        return Decoded(value: manifests, diagnostics: diagnostics)
    }
}
