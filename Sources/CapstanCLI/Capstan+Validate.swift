public import ArgumentParser
import CapstanConfig
import CapstanCore
import Foundation

extension Capstan {
    /// `capstan validate [PATH]`: checks every capstan.yaml under PATH and the manifests each names.
    public struct Validate: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "Check every capstan.yaml under PATH and the manifests it names.",
            discussion: "Prints each problem as file:line:col: field: message and exits 1 when there is any."
        )

        @Argument(help: "The folder to search (default: the current folder).")
        var path: String = "."

        public init() {}


        /// Runs the command; returns its exit status.
        public func execute(console: Console) async throws -> Int32 {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
                console.err("capstan validate: \(path) is not a folder")
                return 2
            }
            let tree = DirectoryTree(root: URL(fileURLWithPath: path))
            let prefix = path == "." ? "" : (path.hasSuffix("/") ? path : path + "/")
            let catalog = try await AppDiscovery.discover(in: tree, displayPrefix: prefix)
            var diagnostics = catalog.diagnostics
            var manifestCount = 0
            for app in catalog.apps {
                let manifests = try await AppDiscovery.manifests(of: app, in: tree, catalog: catalog, displayPrefix: prefix)
                diagnostics += manifests.diagnostics
                manifestCount += manifests.value?.count ?? 0
            }
            for diagnostic in diagnostics.sorted(by: Self.order) { console.err(diagnostic.description) }
            let files = Set(diagnostics.map(\.file)).count
            if diagnostics.isEmpty {
                console.out("ok: \(catalog.apps.count) application(s), \(manifestCount) manifest(s) valid")
                return 0
            }
            console.out("\(diagnostics.count) error(s) in \(files) file(s)")
            return 1
        }

        static func order(_ a: ConfigDiagnostic, _ b: ConfigDiagnostic) -> Bool {
            (a.file, a.line, a.column, a.message) < (b.file, b.line, b.column, b.message)
        }
    }
}
