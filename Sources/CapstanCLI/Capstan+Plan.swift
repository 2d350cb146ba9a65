public import ArgumentParser
import CapstanConfig
import CapstanCore
import CapstanGit
import Foundation

extension Capstan {
    /// `capstan plan`: which applications a range of commits touches, why, and how each would roll out.
    public struct Plan: ConsoleCommand {
        public static let configuration = CommandConfiguration(
            abstract: "List the applications that commits touch, why, and the rollout each would get.",
            discussion: """
                Without --from every application at --to is listed, as for a first deployment. \
                Run it in CI on a pull request to preview what a merge would deploy. \
                Exits 1 when a touched application's config or manifests are invalid.
                """
        )

        /// How the plan is printed.
        public enum Output: String, ExpressibleByArgument, CaseIterable, Sendable {
            case table, json
        }

        @Option(help: "A local repository path, or a remote URL (file://, git://, https://, ssh://, git@host:org/repo).")
        var repo: String

        @Option(help: "The base revision (branch, tag or commit); omit it to plan every application.")
        var from: String?

        @Option(help: "The revision to plan (branch, tag or commit).")
        var to: String

        @Option(help: "table or json.")
        var output: Output = .table

        @Option(help: "Where remote repositories are mirrored.")
        var cacheDir: String = ".capstan/mirrors"

        @Option(help: "The name of an environment variable holding an HTTPS token (never the token itself).")
        var tokenEnv: String?

        @Option(help: "A private key file for SSH remotes.")
        var sshKey: String?

        public init() {}

        public func validate() throws {
            if tokenEnv != nil, sshKey != nil { throw ValidationError("use --token-env or --ssh-key, not both") }
        }


        /// Runs the command; returns its exit status.
        public func execute(console: Console) async throws -> Int32 {
            do {
                return try await plan(console: console)
            } catch let error as GitError {
                console.err("capstan plan: \(error)")
                return 2
            } catch let error as PlanInputError {
                console.err("capstan plan: \(error.message)")
                return 2
            }
        }

        private func plan(console: Console) async throws -> Int32 {
            let source = try await openSource()
            let toCommit = try await source.resolve(to)
            let fromCommit = try await from.asyncMap { try await source.resolve($0) }
            let tree = source.tree(at: toCommit)
            let catalog = try await AppDiscovery.discover(in: tree)
            var diagnostics = catalog.diagnostics
            let entries: [PlanEntry]
            if let fromCommit {
                let changed = try await source.changedPaths(from: fromCommit, to: toCommit)
                let old = source.tree(at: fromCommit)
                var newConfigs: Set<String> = []
                for app in catalog.apps where changed.contains(app.configPath) {
                    if try await old.read(app.configPath) == nil { newConfigs.insert(app.configPath) }
                }
                entries = Planner.plan(catalog.apps, changedPaths: changed) { newConfigs.contains($0.configPath) }
            } else {
                entries = Planner.planAll(catalog.apps)
            }
            for entry in entries {
                diagnostics += try await AppDiscovery.manifests(of: entry.app, in: tree, catalog: catalog).diagnostics
            }
            for diagnostic in diagnostics.sorted(by: Validate.order) { console.err(diagnostic.description) }
            let report = PlanReport(from: fromCommit, to: toCommit, total: catalog.apps.count, entries: entries)
            switch output {
            case .json: console.out(try report.json())
            case .table: report.table().forEach(console.out)
            }
            return diagnostics.isEmpty ? 0 : 1
        }

        private func openSource() async throws -> any GitReadable {
            var isFolder: ObjCBool = false
            if !repo.contains("://"), FileManager.default.fileExists(atPath: repo, isDirectory: &isFolder), isFolder.boolValue {
                return try GitRepository(path: URL(fileURLWithPath: repo))
            }
            let mirror = try GitMirror(remote: repo, credentials: try credentials(),
                                       cacheDirectory: URL(fileURLWithPath: cacheDir))
            _ = try await mirror.fetch()
            return mirror
        }

        private func credentials() throws -> GitCredentials {
            if let tokenEnv {
                guard let token = ProcessInfo.processInfo.environment[tokenEnv], !token.isEmpty else {
                    throw PlanInputError(message: "--token-env \(tokenEnv): that environment variable is not set")
                }
                return .token(token: token)
            }
            if let sshKey { return .sshKey(privateKey: sshKey) }
            return .none
        }
    }
}

/// A problem with the command's input that is not a Git or config error.
struct PlanInputError: Error {
    let message: String
}

extension Optional {
    fileprivate func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
