import ArgumentParser
@testable import CapstanCLI
import Foundation
import Testing

@Suite struct ValidateCommandTests {
    static let repoRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private func validate(_ path: String) async throws -> (Int32, Console) {
        let console = Console.capturing()
        let status = try await Capstan.Validate.parse([path]).execute(console: console)
        return (status, console)
    }

    @Test func examplesAreValid() async throws {
        let (status, console) = try await validate(Self.repoRoot.appendingPathComponent("manifests/examples").path)
        #expect(status == 0, "\(console.errors)")
        #expect(console.output == "ok: 3 application(s), 3 manifest(s) valid\n")
    }

    @Test func brokenConfigsReportEveryErrorSorted() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("capstan-validate-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("b"), withIntermediateDirectories: true)
        try Data("apiVersion: capstan/v1\nkind: Application\nname: b\nmanifests: [nope.yaml]\nstrategy: canary\n".utf8)
            .write(to: folder.appendingPathComponent("b/capstan.yaml"))
        try Data("name: [\n".utf8).write(to: folder.appendingPathComponent("capstan.yaml"))
        let (status, console) = try await validate(folder.path + "/")
        #expect(status == 1)
        let prefix = folder.path + "/"
        #expect(console.errors == """
            \(prefix)b/capstan.yaml:5:11: strategy: expected one of auto, quick, pipeline, got "canary"
            \(prefix)capstan.yaml:2:1: YAML syntax error: did not find expected node content

            """)
        #expect(console.output == "2 error(s) in 2 file(s)\n")
    }

    @Test func notAFolderIsAUsageError() async throws {
        let (status, console) = try await validate("/no/such/folder")
        #expect(status == 2)
        #expect(console.errors.contains("/no/such/folder is not a folder"))
    }
}
