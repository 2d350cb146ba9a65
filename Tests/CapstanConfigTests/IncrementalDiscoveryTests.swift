import CapstanConfig
import CapstanCore
import Foundation
import Synchronization
import Testing

/// A tree in memory that counts what discovery asks of it.
final class CountingTree: SourceTree {
    let contents: [String: String]
    let links: Set<String>
    private let counts = Mutex((lists: 0, reads: [String]()))

    init(_ contents: [String: String], links: Set<String> = []) {
        self.contents = contents
        self.links = links
    }

    var lists: Int { counts.withLock { $0.lists } }
    var reads: [String] { counts.withLock { $0.reads } }

    func files() async throws -> [String] {
        counts.withLock { $0.lists += 1 }
        return Array(contents.keys)
    }

    func read(_ path: String) async throws -> Data? {
        counts.withLock { $0.reads.append(path) }
        return contents[path].map { Data($0.utf8) }
    }

    func symlink(on path: String) async throws -> String? { links.contains(path) ? path : nil }
}

/// Discovery with a cache: a commit that changes one application's files re-decodes at most its config.
@Suite struct IncrementalDiscoveryTests {
    static func app(_ name: String, team: String = "a") -> String {
        "apiVersion: capstan/v1\nkind: Application\nname: \(name)\nlabels: {team: \(team)}\nplatform: process\nmanifests: [service.yaml]\n"
    }

    static func tree(_ apps: Int, changing: [String: String] = [:], removing: Set<String> = [], links: Set<String> = [])
        -> CountingTree
    {
        var contents: [String: String] = [:]
        for index in 0..<apps {
            contents["apps/a\(index)/capstan.yaml"] = app("a\(index)")
            contents["apps/a\(index)/service.yaml"] = "v1"
        }
        contents.merge(changing) { _, new in new }
        for path in removing { contents[path] = nil }
        return CountingTree(contents, links: links)
    }

    @Test func aChangeOutsideEveryConfigReadsNothing() async throws {
        var cache = DiscoveryCache()
        let first = Self.tree(100)
        let full = try await AppDiscovery.discover(in: first, cache: &cache, changed: nil)
        #expect(full.apps.count == 100 && first.reads.count == 100 && first.lists == 1)
        #expect(cache.lastWasFull && cache.decoded.count == 100)

        let second = Self.tree(100, changing: ["apps/a7/service.yaml": "v2"])
        let next = try await AppDiscovery.discover(in: second, cache: &cache, changed: ["apps/a7/service.yaml"])
        #expect(second.lists == 0, "no listing of the whole tree")
        #expect(second.reads.isEmpty, "no config decoded again")
        #expect(!cache.lastWasFull && cache.decoded.isEmpty)
        #expect(next.apps.map(\.configPath) == full.apps.map(\.configPath))
    }

    @Test func onlyChangedConfigsAreDecodedAndTheCatalogFollowsThem() async throws {
        var cache = DiscoveryCache()
        _ = try await AppDiscovery.discover(in: Self.tree(10), cache: &cache, changed: nil)
        // a3 relabelled, a4 removed, a10 added, a5 renamed to a duplicate of a6, a8 turned into a link.
        let changes = ["apps/a3/capstan.yaml": Self.app("a3", team: "b"), "apps/a10/capstan.yaml": Self.app("a10"),
                       "apps/a5/capstan.yaml": Self.app("a6")]
        let tree = Self.tree(10, changing: changes, removing: ["apps/a4/capstan.yaml"], links: ["apps/a8/capstan.yaml"])
        let changed = ["apps/a10/capstan.yaml", "apps/a3/capstan.yaml", "apps/a4/capstan.yaml", "apps/a4/service.yaml",
                       "apps/a5/capstan.yaml", "apps/a8/capstan.yaml"]
        let catalog = try await AppDiscovery.discover(in: tree, cache: &cache, changed: changed)
        #expect(Set(tree.reads) == ["apps/a10/capstan.yaml", "apps/a3/capstan.yaml", "apps/a4/capstan.yaml",
                                    "apps/a5/capstan.yaml"])
        #expect(cache.decoded == ["apps/a10/capstan.yaml", "apps/a3/capstan.yaml", "apps/a5/capstan.yaml"])
        // The same catalog as a full discovery of that tree.
        let full = try await AppDiscovery.discover(in: tree)
        #expect(catalog.apps.map(\.spec) == full.apps.map(\.spec))
        #expect(catalog.apps.map(\.configPath) == full.apps.map(\.configPath))
        #expect(catalog.diagnostics.map(\.description) == full.diagnostics.map(\.description))
        #expect(Set(catalog.apps.map(\.spec.name)) == ["a0", "a1", "a2", "a3", "a7", "a9", "a10"])
        #expect(catalog.apps.first { $0.spec.name == "a3" }?.spec.labels == ["team": "b"])
        #expect(catalog.diagnostics.contains { $0.file == "apps/a8/capstan.yaml" })
        // The later path of two with one name gets the diagnostic; neither deploys.
        #expect(catalog.diagnostics.contains { $0.file == "apps/a6/capstan.yaml" && $0.field == "name" })
    }

    @Test func withoutChangedPathsDiscoveryStartsOver() async throws {
        var cache = DiscoveryCache()
        _ = try await AppDiscovery.discover(in: Self.tree(3), cache: &cache, changed: nil)
        let tree = Self.tree(4)
        let catalog = try await AppDiscovery.discover(in: tree, cache: &cache, changed: nil)
        #expect(catalog.apps.count == 4 && tree.lists == 1 && tree.reads.count == 4 && cache.lastWasFull)
    }
}
