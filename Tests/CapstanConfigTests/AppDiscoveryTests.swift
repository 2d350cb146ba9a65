import CapstanConfig
import CapstanCore
import Foundation
import Testing

/// A tree held in memory, to test discovery without touching disk or Git.
private struct MemoryTree: SourceTree {
    let contents: [String: String]
    func files() async throws -> [String] { Array(contents.keys) }
    func read(_ path: String) async throws -> Data? { contents[path].map { Data($0.utf8) } }
}

@Suite struct AppDiscoveryTests {
    static func app(_ name: String, manifests: String = "[service.yaml]", platform: String = "process") -> String {
        "apiVersion: capstan/v1\nkind: Application\nname: \(name)\nplatform: \(platform)\nmanifests: \(manifests)\n"
    }

    static let service = """
        apiVersion: capstan/v1
        kind: ProcessService
        name: web
        command: [python3, server.py]
        port: 18080
        """

    @Test func findsEveryConfigAndItsFolder() async throws {
        let tree = MemoryTree(contents: [
            "capstan.yaml": Self.app("root"), "service.yaml": Self.service,
            "apps/a/capstan.yaml": Self.app("a"), "apps/a/service.yaml": Self.service,
            "apps/a/notcapstan.yaml": "garbage: [", "apps/b/capstan.yml": "ignored: true",
        ])
        let catalog = try await AppDiscovery.discover(in: tree)
        #expect(catalog.diagnostics.isEmpty)
        #expect(catalog.apps.map(\.spec.name) == ["a", "root"])
        #expect(catalog.apps.map(\.folder) == ["apps/a", ""])
    }

    @Test func duplicateNamesNameBothFilesAndDeployNeither() async throws {
        let tree = MemoryTree(contents: [
            "apps/a/capstan.yaml": Self.app("shop"), "apps/b/capstan.yaml": Self.app("shop"),
            "apps/c/capstan.yaml": Self.app("other"),
        ])
        let catalog = try await AppDiscovery.discover(in: tree, displayPrefix: "repo/")
        #expect(catalog.apps.map(\.spec.name) == ["other"])
        #expect(catalog.diagnostics.map(\.description) == [
            "repo/apps/b/capstan.yaml:3:7: name: application \"shop\" is already defined in repo/apps/a/capstan.yaml:3:7; "
                + "names must be unique in a repository",
        ])
    }

    @Test func invalidAppsAreReportedAndLeftOut() async throws {
        let tree = MemoryTree(contents: ["a/capstan.yaml": "name: [", "b/capstan.yaml": Self.app("b")])
        let catalog = try await AppDiscovery.discover(in: tree)
        #expect(catalog.apps.map(\.spec.name) == ["b"])
        #expect(catalog.diagnostics.count == 1 && catalog.diagnostics[0].file == "a/capstan.yaml")
    }

    @Test func manifestsAreDecodedAndProblemsPointAtTheRightLine() async throws {
        let tree = MemoryTree(contents: [
            "apps/a/capstan.yaml": Self.app("a", manifests: "\n  - service.yaml\n  - missing.yaml\n  - ../../../etc/passwd"),
            "apps/a/service.yaml": Self.service,
            "apps/b/capstan.yaml": Self.app("b"),
            "apps/b/service.yaml": "apiVersion: capstan/v1\nkind: ProcessServce\n",
            "apps/c/capstan.yaml": Self.app("c", platform: "mainframe"),
        ])
        let catalog = try await AppDiscovery.discover(in: tree)
        let a = try await AppDiscovery.manifests(of: catalog.apps[0], in: tree, catalog: catalog)
        #expect(a.value?.count == 1)
        #expect(a.diagnostics.map(\.description) == [
            "apps/a/capstan.yaml:7:5: manifests[1]: manifest apps/a/missing.yaml does not exist",
            "apps/a/capstan.yaml:8:5: manifests[2]: manifest path \"../../../etc/passwd\" leaves the repository",
        ])
        let b = try await AppDiscovery.manifests(of: catalog.apps[1], in: tree, catalog: catalog)
        #expect(b.diagnostics.map(\.description) == [
            "apps/b/service.yaml:2:7: kind: unknown manifest kind \"ProcessServce\" (known: ProcessService); did you mean \"ProcessService\"?",
        ])
        let c = try await AppDiscovery.manifests(of: catalog.apps[2], in: tree, catalog: catalog)
        #expect(c.diagnostics.map(\.description) == ["apps/c/capstan.yaml:4:11: platform: unknown platform \"mainframe\" (known: process)"])
    }

    @Test func directoryTreeSkipsHiddenFoldersAndSymlinks() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-dir-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let fm = FileManager.default
        try fm.createDirectory(at: root.appendingPathComponent("a/.git"), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: root.appendingPathComponent("a/file"))
        try Data("x".utf8).write(to: root.appendingPathComponent("a/.git/config"))
        try fm.createSymbolicLink(atPath: root.appendingPathComponent("a/link").path, withDestinationPath: "/etc/passwd")
        let tree = DirectoryTree(root: root)
        #expect(try await tree.files() == ["a/file"])
        #expect(try await tree.read("a/link") == nil)
        #expect(try await tree.read("a/../a/file") == nil)
        #expect(try await tree.read("a/file") == Data("x".utf8))
    }
}
