import ArgumentParser
@testable import CapstanCLI
import CapstanCore
import CapstanTesting
import Foundation
import Testing

/// `capstan plan` against a real monorepo built with the git CLI.
@Suite struct PlanCommandTests {
    static func app(_ name: String, extra: String = "") -> String {
        "apiVersion: capstan/v1\nkind: Application\nname: \(name)\nmanifests: [service.yaml]\n\(extra)"
    }

    static let service = "apiVersion: capstan/v1\nkind: ProcessService\nname: web\ncommand: [python3, server.py]\nport: 18080\n"
    static let pipeline = "pipeline:\n  - stage: CANARY_ROLLOUT\n  - stage: PRIMARY_ROLLOUT\n  - stage: CANARY_CLEAN\n"

    /// apps/a (ignores markdown), apps/b (also deployed by libs/shared/**, with a pipeline), apps/c.
    static func monorepo() throws -> (GitFixture, CommitID) {
        let repo = try GitFixture.create()
        try repo.write("apps/a/capstan.yaml", app("alpha", extra: "trigger: {ignore: [\"**/*.md\"]}\n"))
        try repo.write("apps/b/capstan.yaml", app("bravo", extra: "trigger: {paths: [\"libs/shared/**\"]}\n" + pipeline))
        try repo.write("apps/c/capstan.yaml", app("charlie"))
        for name in ["a", "b", "c"] { try repo.write("apps/\(name)/service.yaml", service) }
        try repo.write("apps/a/util.py", "print('util')\n")
        try repo.write("apps/a/README.md", "alpha\n")
        try repo.write("libs/shared/lib.py", "X = 1\n")
        try repo.write("libs/other/lib.py", "Y = 1\n")
        let base = try repo.commit("three applications")
        return (repo, base)
    }

    private func plan(_ arguments: [String]) async throws -> (status: Int32, out: String, err: String) {
        let console = Console.capturing()
        let command = try Capstan.Plan.parse(arguments)
        let status = try await command.execute(console: console)
        return (status, console.output, console.errors)
    }

    private func planned(_ repo: GitFixture, from: CommitID, to: CommitID) async throws -> [PlanJSON.App] {
        let result = try await plan(["--repo", repo.path.path, "--from", from.hex, "--to", to.hex, "--output", "json"])
        #expect(result.status == 0, "\(result.err)")
        return try JSONDecoder().decode(PlanJSON.self, from: Data(result.out.utf8)).apps
    }

    @Test func listsExactlyTheTouchedApplications() async throws {
        let (repo, base) = try Self.monorepo()
        defer { repo.delete() }

        try repo.write("libs/shared/lib.py", "X = 2\n")
        let shared = try repo.commit("shared lib")
        #expect(try await planned(repo, from: base, to: shared).map(\.name) == ["bravo"])

        try repo.write("libs/other/lib.py", "Y = 2\n")
        let other = try repo.commit("unrelated lib")
        #expect(try await planned(repo, from: shared, to: other).isEmpty)

        try repo.write("apps/a/README.md", "alpha, documented\n")
        let docs = try repo.commit("docs only")
        #expect(try await planned(repo, from: other, to: docs).isEmpty)

        try repo.write("apps/a/README.md", "alpha, documented again\n")
        try repo.write("apps/a/util.py", "print('util 2')\n")
        let mixed = try repo.commit("docs and code")
        let alpha = try #require(try await planned(repo, from: docs, to: mixed).first)
        #expect(alpha.name == "alpha")
        #expect(alpha.reasons == ["apps/a/util.py changed", "ignored by trigger.ignore: apps/a/README.md"])

        try repo.write("apps/c/capstan.yaml", Self.app("charlie", extra: "labels: {team: web}\n"))
        let config = try repo.commit("config only")
        let charlie = try await planned(repo, from: mixed, to: config)
        #expect(charlie.map(\.name) == ["charlie"])
        #expect(charlie.first?.reasons == ["application config apps/c/capstan.yaml changed"])

        try repo.move("apps/a/util.py", "apps/c/util.py")
        let rename = try repo.commit("move util from alpha to charlie")
        #expect(try await planned(repo, from: config, to: rename).map(\.name) == ["alpha", "charlie"])
    }

    @Test func strategyAndStagesFollowHistory() async throws {
        let (repo, base) = try Self.monorepo()
        defer { repo.delete() }
        try repo.write("libs/shared/lib.py", "X = 3\n")
        try repo.write("apps/d/capstan.yaml", Self.app("delta", extra: Self.pipeline))
        try repo.write("apps/d/service.yaml", Self.service)
        let next = try repo.commit("bravo changes, delta is new")
        let apps = try await planned(repo, from: base, to: next)
        #expect(apps.map(\.name) == ["bravo", "delta"])
        #expect(apps[0].strategy == "pipeline" && apps[0].stages == ["CANARY_ROLLOUT", "PRIMARY_ROLLOUT", "CANARY_CLEAN"])
        #expect(apps[1].strategy == "quick" && apps[1].stages == ["SYNC"])
        #expect(apps[1].reasons.first == "new application: apps/d/capstan.yaml added")
    }

    @Test func withoutFromEveryApplicationIsPlanned() async throws {
        let (repo, _) = try Self.monorepo()
        defer { repo.delete() }
        let result = try await plan(["--repo", repo.path.path, "--to", "main", "--output", "json"])
        let json = try JSONDecoder().decode(PlanJSON.self, from: Data(result.out.utf8))
        #expect(result.status == 0)
        #expect(json.from == nil && json.to.count == 40)
        #expect(json.apps.map(\.name) == ["alpha", "bravo", "charlie"])
        #expect(json.apps.map(\.path) == ["apps/a", "apps/b", "apps/c"])
        #expect(result.out.contains("\"from\" : null"))
    }

    @Test func tableNamesEveryAppWithItsReasons() async throws {
        let (repo, base) = try Self.monorepo()
        defer { repo.delete() }
        try repo.write("libs/shared/lib.py", "X = 4\n")
        let next = try repo.commit("shared")
        let result = try await plan(["--repo", repo.path.path, "--from", base.hex, "--to", next.hex])
        #expect(result.out.hasPrefix("Plan \(base.short)..\(next.short): 1 of 3 application(s) touched"))
        #expect(result.out.contains("bravo  apps/b  pipeline  CANARY_ROLLOUT → PRIMARY_ROLLOUT → CANARY_CLEAN"))
        #expect(result.out.contains("    · libs/shared/lib.py changed (trigger path libs/shared/**)"))
    }

    @Test func plansARemoteThroughAMirror() async throws {
        let (repo, base) = try Self.monorepo()
        defer { repo.delete() }
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        try repo.write("apps/b/service.yaml", Self.service + "replicas: 3\n")
        try repo.commit("scale bravo")
        let result = try await plan(["--repo", "file://\(repo.path.path)", "--from", base.hex, "--to", "main",
                                     "--output", "json", "--cache-dir", cache.path])
        #expect(result.status == 0, "\(result.err)")
        #expect(try JSONDecoder().decode(PlanJSON.self, from: Data(result.out.utf8)).apps.map(\.name) == ["bravo"])
    }

    @Test func invalidTouchedAppFailsWithLocatedErrors() async throws {
        let (repo, base) = try Self.monorepo()
        defer { repo.delete() }
        try repo.write("apps/c/service.yaml", Self.service.replacingOccurrences(of: "port: 18080", with: "port: web"))
        let next = try repo.commit("break charlie's manifest")
        let result = try await plan(["--repo", repo.path.path, "--from", base.hex, "--to", next.hex])
        #expect(result.status == 1)
        #expect(result.err == "apps/c/service.yaml:5:7: port: expected an integer, got \"web\"\n")
    }

    @Test func unknownRevisionIsAClearError() async throws {
        let (repo, _) = try Self.monorepo()
        defer { repo.delete() }
        let result = try await plan(["--repo", repo.path.path, "--to", "no-such-branch"])
        #expect(result.status == 2)
        #expect(result.err.contains("no-such-branch"))
    }
}

/// The JSON shape `capstan plan --output json` promises.
struct PlanJSON: Decodable {
    struct App: Decodable {
        let name: String
        let path: String
        let reasons: [String]
        let strategy: String
        let stages: [String]
    }

    let from: String?
    let to: String
    let apps: [App]
}
