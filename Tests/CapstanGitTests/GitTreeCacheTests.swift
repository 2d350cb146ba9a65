@testable import CapstanGit
import CapstanTesting
import Foundation
import Testing

/// libgit2 keeps large trees parsed: a folder of thousands of applications is not parsed again for every file
/// read through it (by default only trees up to 4 KiB are cached, which made a full discovery of 10,000
/// applications take 75 s).
@Suite struct GitTreeCacheTests {
    @Test func aLargeFolderStaysInTheObjectCache() async throws {
        let origin = try GitFixture.create()
        defer { origin.delete() }
        // One folder of 2,000 entries: its tree is about 80 KB, far above libgit2's default 4 KiB limit.
        for file in 0..<2_000 { try origin.write(String(format: "apps/app-%05d.yaml", file), "\(file)\n") }
        let commit = try origin.commit("a large folder")
        let repo = try GitRepository(path: origin.path)
        let data = try await repo.readFile("apps/app-00007.yaml", at: commit)
        #expect(data == Data("7\n".utf8))
        // The parsed folder is in the cache (blobs never are, commits and the root tree are tiny).
        #expect(Libgit2.cachedMemory >= 80_000)
        #expect(Libgit2.treeCacheLimit >= 1 << 20)
        withExtendedLifetime(repo) {}
    }
}
