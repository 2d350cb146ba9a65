import CapstanCore
import CapstanTesting
import Foundation

/// A Git repository of `apps` applications (`apps/app-NNNNN/capstan.yaml` and `service.yaml` each), written
/// with one `git fast-import` rather than thousands of `git add`s, plus commits that each touch one application.
final class MonorepoFixture: Sendable {
    let git: GitFixture
    let apps: Int
    /// The first commit: every application.
    let initial: CommitID

    /// The remote a mirror clones: the fixture's own repository, over file://.
    var remote: String { "file://" + git.path.path }

    static func appName(_ index: Int) -> String { String(format: "app-%05d", index) }
    static func folder(_ index: Int) -> String { "apps/\(appName(index))" }

    init(apps: Int) throws {
        git = try GitFixture.create()
        self.apps = apps
        var stream = "blob\nmark :1\n" + Self.data(Self.service(version: 0))
        stream += "commit refs/heads/main\nmark :2\ncommitter Bench <bench@capstan.invalid> 1700000000 +0000\n"
        stream += Self.data("\(apps) applications\n")
        for index in 0..<apps {
            stream += "M 100644 :1 \(Self.folder(index))/service.yaml\n"
            stream += "M 100644 inline \(Self.folder(index))/capstan.yaml\n" + Self.data(Self.config(Self.appName(index)))
        }
        stream += "\n"
        try Self.fastImport(stream, in: git)
        guard let head = CommitID(try git.git("rev-parse", "refs/heads/main")) else { throw BenchError("no initial commit") }
        initial = head
    }

    /// Writes `count` more commits after `parent` on `refs/heads/bench-commits` (main does not move), each changing
    /// the service.yaml of one application, `touched(k)` for the k-th; returns them in order.
    func commits(after parent: CommitID, count: Int, touched: (Int) -> Int, version: Int) throws -> [CommitID] {
        var stream = ""
        for k in 0..<count {
            stream += "commit refs/heads/bench-commits\nmark :\(k + 1)\n"
            stream += "committer Bench <bench@capstan.invalid> \(1_700_000_000 + version + k) +0000\n"
            stream += Self.data("touch \(Self.appName(touched(k)))\n")
            if k == 0 { stream += "from \(parent.hex)\n" }
            stream += "M 100644 inline \(Self.folder(touched(k)))/service.yaml\n"
                + Self.data(Self.service(version: version + k + 1))
            stream += "\n"
        }
        let marks = git.path.appendingPathComponent(".git/bench-marks")
        try Self.fastImport(stream, in: git, exportMarks: marks)
        // Marks file lines: ":N <sha>".
        var byMark: [Int: CommitID] = [:]
        for line in try String(contentsOf: marks, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let mark = Int(parts[0].dropFirst()), let id = CommitID(String(parts[1])) else { continue }
            byMark[mark] = id
        }
        return try (1...count).map { mark in
            guard let id = byMark[mark] else { throw BenchError("fast-import gave no commit for mark \(mark)") }
            return id
        }
    }

    /// Points the remote's `main` at `commit` (what a push does).
    func push(_ commit: CommitID) throws {
        try git.git("update-ref", "refs/heads/main", commit.hex)
    }

    static func config(_ name: String) -> String {
        """
        apiVersion: capstan/v1
        kind: Application
        name: \(name)
        labels: {team: bench, tier: web}
        platform: process
        target: local
        manifests: [service.yaml]
        sync: {auto: true}
        strategy: quick

        """
    }

    static func service(version: Int) -> String {
        """
        apiVersion: capstan/v1
        kind: ProcessService
        name: web
        command: [python3, -m, http.server, "18080"]
        port: 18080
        env: {VERSION: "\(version)"}

        """
    }

    private static func data(_ text: String) -> String { "data \(text.utf8.count)\n" + text }

    private static func fastImport(_ stream: String, in git: GitFixture, exportMarks: URL? = nil) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/git")
        process.arguments = ["-C", git.path.path, "fast-import", "--quiet", "--force"]
            + (exportMarks.map { ["--export-marks=\($0.path)"] } ?? [])
        process.environment = ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": "/usr/bin:/bin"]
        let input = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        input.fileHandleForWriting.write(Data(stream.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw BenchError("git fast-import exited \(process.terminationStatus)") }
    }
}
