import CapstanCore
import CapstanGit
import CapstanTesting
import Foundation

/// Paths changed between two commits of a 10,000-file repository where one file changed:
/// `GitRepository.changedPaths` in process against `git diff --name-only A B` as a subprocess.
struct ChangedPathsScenario: Scenario {
    let name = "changed paths, 10,000 files, 1 changed"
    let goal = "≥5x"
    let folders = 100
    let filesPerFolder = 100

    private var fixture: GitFixture?
    private var repository: GitRepository?
    private var range: (from: CommitID, to: CommitID)?

    mutating func prepare() async throws {
        let fixture = try GitFixture.create()
        for folder in 0..<folders {
            for file in 0..<filesPerFolder {
                try fixture.write("service-\(folder)/file-\(file).yaml", "name: s\(folder)-f\(file)\nreplicas: 1\n")
            }
        }
        let from = try fixture.commit("10,000 files")
        try fixture.write("service-42/file-7.yaml", "name: s42-f7\nreplicas: 2\n")
        let to = try fixture.commit("one change")
        let repository = try GitRepository(path: fixture.path)
        // Both sides must agree before either is timed.
        let ours = try await repository.changedPaths(from: from, to: to)
        let theirs = try Self.gitDiff(fixture, from, to)
        guard ours == ["service-42/file-7.yaml"], ours == theirs else {
            throw BenchError("results differ: ours \(ours), git \(theirs)")
        }
        self.fixture = fixture
        self.repository = repository
        self.range = (from, to)
    }

    func ours() async throws {
        guard let repository, let range else { throw BenchError("not prepared") }
        _ = try await repository.changedPaths(from: range.from, to: range.to)
    }

    func baseline() async throws {
        guard let fixture, let range else { throw BenchError("not prepared") }
        _ = try Self.gitDiff(fixture, range.from, range.to)
    }

    private static func gitDiff(_ fixture: GitFixture, _ from: CommitID, _ to: CommitID) throws -> [String] {
        try fixture.git("diff", "--name-only", "--no-renames", from.hex, to.hex)
            .split(separator: "\n").map(String.init).sorted()
    }
}

/// A benchmark could not run.
struct BenchError: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
