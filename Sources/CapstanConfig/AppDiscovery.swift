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
        var cache = DiscoveryCache()
        return try await discover(in: tree, displayPrefix: displayPrefix, cache: &cache, changed: nil)
    }

    /// Discovery that re-decodes only what changed: `cache` holds what an earlier call decoded at another
    /// revision, `changed` the paths that differ between that revision and `tree` (nil, or an empty cache:
    /// list and decode everything). Only a changed `capstan.yaml` is read again; every other application is
    /// taken from the cache as it was decoded, so a commit touching one application of 10,000 decodes one.
    /// On return `cache` describes `tree`, and `cache.decoded` names the configs read this time.
    public static func discover(in tree: some SourceTree, displayPrefix: String = "", cache: inout DiscoveryCache,
                                changed: [String]?) async throws -> AppCatalog {
        if let changed, cache.filled, cache.displayPrefix == displayPrefix {
            var next = cache
            next.decoded = []
            next.lastWasFull = false
            var pathsChanged = false
            var configsChanged = false
            for path in changed where RepoPath.name(of: path) == ApplicationDecoder.fileName {
                configsChanged = true
                let entry = try await decodeConfig(path, in: tree, displayPrefix: displayPrefix)
                if (next.entries[path] == nil) != (entry == nil) { pathsChanged = true }
                next.entries[path] = entry
                if case .file = entry { next.decoded.insert(path) } // a link is refused, not decoded
            }
            if pathsChanged { next.sortedPaths = next.entries.keys.sorted() }
            // No config changed: the catalog is the one built last time, not rebuilt application by application.
            if configsChanged || next.catalog == nil {
                next.catalog = catalog(from: next, displayPrefix: displayPrefix)
                next.matcher = nil
            }
            cache = next
        } else {
            let configs = try await tree.files().filter { RepoPath.name(of: $0) == ApplicationDecoder.fileName }.sorted()
            var next = DiscoveryCache()
            next.displayPrefix = displayPrefix
            for path in configs {
                next.entries[path] = try await decodeConfig(path, in: tree, displayPrefix: displayPrefix)
            }
            next.sortedPaths = next.entries.keys.sorted()
            next.decoded = Set(next.sortedPaths)
            next.filled = true
            next.lastWasFull = true
            next.catalog = catalog(from: next, displayPrefix: displayPrefix)
            cache = next
        }
        if cache.matcher == nil, let catalog = cache.catalog { cache.matcher = ChangeMatcher(apps: catalog.apps) }
        return cache.catalog ?? catalog(from: cache, displayPrefix: displayPrefix)
    }

    /// One config file as discovery sees it; nil when there is no file at `path`.
    private static func decodeConfig(_ path: String, in tree: some SourceTree, displayPrefix: String) async throws
        -> DiscoveryCache.Entry?
    {
        if try await tree.symlink(on: path) != nil { return .link }
        guard let data = try await tree.read(path) else { return nil }
        return .file(ApplicationDecoder.decode(data, file: displayPrefix + path))
    }

    /// The catalog of what `cache` holds: valid applications in path order, duplicates refused.
    private static func catalog(from cache: DiscoveryCache, displayPrefix: String) -> AppCatalog {
        var catalog = AppCatalog(apps: [], diagnostics: [], locations: [:])
        var firstByName: [String: (path: String, location: SourceLocation?)] = [:]
        var duplicated: Set<String> = []
        catalog.apps.reserveCapacity(cache.sortedPaths.count)
        for path in cache.sortedPaths {
            guard let entry = cache.entries[path] else { continue }
            guard case .file(let decoded) = entry else {
                catalog.diagnostics.append(ConfigDiagnostic(
                    file: displayPrefix + path, line: 1, column: 1, field: "",
                    message: "\(ApplicationDecoder.fileName) is a symbolic link; commit the file itself (Capstan never follows links)"))
                continue
            }
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
        if !duplicated.isEmpty { catalog.apps.removeAll { duplicated.contains($0.spec.name) } }
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

/// What discovery decoded at one revision, kept so that the next revision re-decodes only the configs it
/// changed (see ``AppDiscovery/discover(in:displayPrefix:cache:changed:)``).
public struct DiscoveryCache: Sendable {
    enum Entry: Sendable {
        /// The config is a symbolic link (refused).
        case link
        case file(DecodedApplication)
    }

    var entries: [String: Entry] = [:]
    var sortedPaths: [String] = []
    var displayPrefix = ""
    /// The catalog of `entries`, kept for the next commit that changes no config.
    var catalog: AppCatalog?
    /// A matcher over the catalog's applications (indices into `apps`), kept with it.
    public internal(set) var matcher: ChangeMatcher?
    /// False until a full discovery filled it.
    var filled = false
    /// The config paths the last discovery read and decoded (every one on a full pass).
    public internal(set) var decoded: Set<String> = []
    /// Whether the last discovery listed and decoded the whole tree.
    public internal(set) var lastWasFull = false

    public init() {}
}
