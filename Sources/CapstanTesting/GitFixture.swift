public import CapstanCore
public import Foundation

/// A real Git repository in a temporary folder, built with the git CLI (for tests and benchmarks).
public final class GitFixture: Sendable {
    /// The repository's work tree.
    public let path: URL

    private init(path: URL) {
        self.path = path
    }

    /// `git init -b branch` in a fresh temporary folder, with a local identity and no signing.
    public static func create(branch: String = "main") throws -> GitFixture {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("capstan-git-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: path, withIntermediateDirectories: true)
        let fixture = GitFixture(path: path)
        try fixture.git("init", "-q", "-b", branch)
        try fixture.git("config", "user.name", "Capstan Tests")
        try fixture.git("config", "user.email", "tests@capstan.invalid")
        try fixture.git("config", "commit.gpgsign", "false")
        try fixture.git("config", "tag.gpgsign", "false")
        return fixture
    }

    /// Writes a UTF-8 file, creating its folders.
    public func write(_ relativePath: String, _ contents: String) throws {
        try write(relativePath, data: Data(contents.utf8))
    }

    /// Writes bytes to a file, creating its folders.
    public func write(_ relativePath: String, data: Data) throws {
        let file = path.appendingPathComponent(relativePath)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file)
    }

    /// Deletes a file or folder from the work tree (the next `commit` records it).
    public func remove(_ relativePath: String) throws {
        try FileManager.default.removeItem(at: path.appendingPathComponent(relativePath))
    }

    /// `git mv from to`, creating the destination's folders.
    public func move(_ from: String, _ to: String) throws {
        let destination = path.appendingPathComponent(to).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        try git("mv", from, to)
    }

    /// `git add -A && git commit -m message`; returns the new HEAD.
    @discardableResult
    public func commit(_ message: String) throws -> CommitID {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
        let head = try git("rev-parse", "HEAD")
        guard let id = CommitID(head) else { throw GitFixtureError(command: "git rev-parse HEAD", status: 0, stderr: "not a commit id: \(head)") }
        return id
    }

    /// Runs `git -C path args...`; throws with stderr on failure, returns trimmed stdout.
    /// Global and system git config are ignored so the machine's settings cannot leak in.
    @discardableResult
    public func git(_ args: String...) throws -> String {
        try git(args)
    }

    /// `git(_:)` with an array of arguments.
    @discardableResult
    public func git(_ args: [String]) throws -> String {
        let result = try runProcess("git", ["-C", path.path] + args, environment: Self.hermetic)
        guard result.status == 0 else {
            throw GitFixtureError(command: "git " + args.joined(separator: " "), status: result.status, stderr: result.stderr)
        }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Removes the folder (also done on deinit); safe to call twice.
    public func delete() {
        try? FileManager.default.removeItem(at: path)
    }

    deinit {
        delete()
    }

    static let hermetic = ["GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0"]
}

/// A git command of a fixture failed.
public struct GitFixtureError: Error, CustomStringConvertible {
    /// The command line.
    public let command: String
    /// Its exit status.
    public let status: Int32
    /// What it wrote to stderr.
    public let stderr: String

    public var description: String { "\(command) exited with \(status): \(stderr)" }
}
