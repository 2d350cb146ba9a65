/// Why a commit touches an application.
public struct Touch: Sendable, Hashable {
    /// Index of the application in the list given to the matcher.
    public var appIndex: Int
    /// Changed paths that deploy it (never an ignored one), sorted.
    public var paths: [String]
    /// The application's own capstan.yaml changed.
    public var configChanged: Bool
    /// Relevant paths left out because they match `trigger.ignore`.
    public var ignored: [String]
}

/// Works out which applications a set of changed paths touches.
///
/// An application is touched when a changed path lies under its folder or matches one of its
/// `trigger.paths`, unless every such path matches one of its `trigger.ignore` globs. A change to its
/// capstan.yaml always touches it. Unlike PipeCD, one ignored file never drops the rest of a commit.
///
/// Built once per set of applications; the cost of `touched(by:)` grows with the changed paths and the
/// applications that declare trigger globs, not with the number of applications.
public struct ChangeMatcher: Sendable {
    private let apps: [DiscoveredApp]
    private let byFolder: [String: [Int]]
    private let withTriggerPaths: [Int]

    public init(apps: [DiscoveredApp]) {
        self.apps = apps
        var byFolder: [String: [Int]] = [:]
        for (index, app) in apps.enumerated() {
            byFolder[app.folder, default: []].append(index)
        }
        self.byFolder = byFolder
        self.withTriggerPaths = apps.indices.filter { !apps[$0].spec.trigger.paths.isEmpty }
    }

    /// The touched applications, in the order they were given.
    public func touched(by changedPaths: [String]) -> [Touch] {
        var relevant: [Int: Set<String>] = [:]
        for path in changedPaths {
            for folder in Self.ancestors(of: path) {
                for index in byFolder[folder] ?? [] {
                    relevant[index, default: []].insert(path)
                }
            }
            for index in withTriggerPaths where apps[index].spec.trigger.paths.contains(where: { $0.matches(path) }) {
                relevant[index, default: []].insert(path)
            }
        }
        return relevant.keys.sorted().compactMap { index in
            let app = apps[index]
            let paths = relevant[index]!.sorted()
            let configChanged = paths.contains(app.configPath)
            let ignore = app.spec.trigger.ignore
            let (kept, ignored) = paths.reduce(into: ([String](), [String]())) { acc, path in
                if path != app.configPath, ignore.contains(where: { $0.matches(path) }) {
                    acc.1.append(path)
                } else {
                    acc.0.append(path)
                }
            }
            guard !kept.isEmpty else { return nil }
            return Touch(appIndex: index, paths: kept, configChanged: configChanged, ignored: ignored)
        }
    }

    /// Every folder that contains `path`, from the root (`""`) down to its parent.
    static func ancestors(of path: String) -> [String] {
        var result = [""]
        var index = path.startIndex
        while let slash = path[index...].firstIndex(of: "/") {
            result.append(String(path[..<slash]))
            index = path.index(after: slash)
        }
        return result
    }
}
