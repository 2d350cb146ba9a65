public import CapstanCore
import CapstanConfig
public import CapstanGit
public import Foundation

/// Loads a deployment's context from Git: the application's config and manifests at the deployment's
/// commit, and a checkout of its folder under the data dir (one folder per commit; folders of commits
/// that are neither this deployment's nor the one it replaces are removed).
public struct GitContextLoader: DeploymentContextLoader {
    let source: any GitReadable
    let store: any DeploymentStore
    /// `<dataDir>/checkouts`.
    let root: URL

    public init(source: any GitReadable, store: any DeploymentStore, checkoutRoot: URL) {
        self.source = source
        self.store = store
        self.root = checkoutRoot
    }

    /// Why a context could not be loaded.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public func context(for deployment: Deployment) async throws -> DeploymentContext {
        guard let record = try await store.app(deployment.app) else {
            throw Failure(description: "no record of application \(deployment.app)")
        }
        let (app, manifests) = try await desired(configPath: record.configPath, at: deployment.commit)
        let directory = try await checkout(app, at: deployment.commit, keeping: deployment.previousCommit)
        return DeploymentContext(app: app, appDirectory: directory.path, manifests: manifests)
    }

    /// The application and its manifests (raw text by path relative to its folder) at `commit`; reads only.
    public func desired(configPath: String, at commit: CommitID) async throws -> (DiscoveredApp, [String: String]) {
        let tree = source.tree(at: commit)
        if let link = try await tree.symlink(on: configPath) {
            throw Failure(description: "\(configPath): \(link) is a symbolic link at \(commit.short); Capstan never follows links")
        }
        guard let data = try await tree.read(configPath) else {
            throw Failure(description: "\(configPath) does not exist at \(commit.short)")
        }
        let decoded = ApplicationDecoder.decode(data, file: configPath)
        guard let spec = decoded.validValue else {
            throw Failure(description: decoded.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let app = DiscoveredApp(spec: spec, configPath: configPath)
        var manifests: [String: String] = [:]
        for (index, relative) in spec.manifests.enumerated() {
            let field = "\(configPath): manifests[\(index)]"
            guard let path = RepoPath.resolve(relative, in: app.folder) else {
                throw Failure(description: "\(field): manifest path \"\(relative)\" leaves the repository")
            }
            if let link = try await tree.symlink(on: path) {
                throw Failure(description: "\(field): manifest path \"\(relative)\" goes through \(link), a symbolic link; "
                              + "Capstan never follows links")
            }
            guard let bytes = try await tree.read(path) else {
                throw Failure(description: "manifest \(relative) of \(spec.name) is missing at \(commit.short)")
            }
            manifests[relative] = String(decoding: bytes, as: UTF8.self)
        }
        return (app, manifests)
    }

    /// Writes the application's folder at `commit` once (into a temporary folder renamed into place,
    /// so a crash never leaves a half-written checkout that looks complete).
    func checkout(_ app: DiscoveredApp, at commit: CommitID, keeping previous: CommitID?) async throws -> URL {
        let fm = FileManager.default
        let appRoot = root.appendingPathComponent(app.spec.name)
        let target = appRoot.appendingPathComponent(commit.hex)
        try fm.createDirectory(at: appRoot, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if !fm.fileExists(atPath: target.path) {
            let staging = appRoot.appendingPathComponent(".staging-\(UUID().uuidString)")
            defer { try? fm.removeItem(at: staging) }
            let prefix = app.folder.isEmpty ? "" : app.folder + "/"
            // A path must name a place under the folder: a crafted tree entry such as `..` never writes outside it.
            for path in try await source.files(at: commit) where path.hasPrefix(prefix) && RepoPath.resolve(path, in: "") == path {
                guard let bytes = try await source.readFile(path, at: commit) else { continue }
                let file = staging.appendingPathComponent(String(path.dropFirst(prefix.count)))
                try fm.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
                try bytes.write(to: file)
            }
            try fm.createDirectory(at: staging, withIntermediateDirectories: true)
            try fm.moveItem(at: staging, to: target)
        }
        let keep = Set([commit.hex, previous?.hex].compactMap { $0 })
        for old in (try? fm.contentsOfDirectory(atPath: appRoot.path)) ?? [] where !keep.contains(old) && !old.hasPrefix(".") {
            try? fm.removeItem(at: appRoot.appendingPathComponent(old))
        }
        return target
    }
}
