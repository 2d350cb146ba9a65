public import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why the tokens file cannot be read or written; the message names the file (and line).
public struct TokenFileError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String

    /// An error that says `description`.
    public init(_ description: String) { self.description = description }
}

/// The tokens file: JSON lines, one ``TokenRecord`` per line, `#` lines and blank lines ignored.
///
/// ```
/// # Capstan API tokens: SHA-256 hashes only. Manage with capstan token create|list|revoke.
/// {"created":"2025-03-01T12:00:00.000000Z","name":"alice","roles":["deployer"],"sha256":"9f86d0…"}
/// ```
/// It is written whole to a temporary file that is then renamed over it (mode 0600), so a reader
/// (the server) sees the old file or the new one, never half of one.
public enum TokenFile {
    static let header = "# Capstan API tokens: SHA-256 hashes only. Manage with capstan token create|list|revoke."

    /// The records of `data`; `file` names it in errors. Names must be unique and hashes well-formed.
    public static func parse(_ data: Data, file: String) throws(TokenFileError) -> [TokenRecord] {
        var records: [TokenRecord] = []
        var names: Set<String> = []
        let decoder = JSONDecoder()
        for (index, line) in String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated() {
            let text = line.trimmingCharacters(in: .whitespaces)
            if text.isEmpty || text.hasPrefix("#") { continue }
            let at = "\(file):\(index + 1)"
            guard let record = try? decoder.decode(TokenRecord.self, from: Data(text.utf8)) else {
                throw TokenFileError("\(at): not a token record (a JSON object with name, roles, sha256 and created)")
            }
            if let problem = TokenRecord.problem(withName: record.name) { throw TokenFileError("\(at): \(problem)") }
            guard !record.roles.isEmpty else { throw TokenFileError("\(at): token \(record.name) has no role") }
            guard BearerToken.bytes(hex: record.sha256) != nil, record.sha256 == record.sha256.lowercased() else {
                throw TokenFileError("\(at): token \(record.name): sha256 must be 64 lower-case hex digits")
            }
            guard names.insert(record.name).inserted else {
                throw TokenFileError("\(at): a second token is named \(record.name)")
            }
            records.append(record)
        }
        return records
    }

    /// The file's text for `records`, one per line after the header.
    public static func render(_ records: [TokenRecord]) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let lines = records.map { String(decoding: (try? encoder.encode($0)) ?? Data(), as: UTF8.self) }
        return Data(([header] + lines).map { $0 + "\n" }.joined().utf8)
    }

    /// The records in the file at `path`; none when it does not exist yet.
    public static func read(_ path: String) throws(TokenFileError) -> [TokenRecord] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenFileError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        return try parse(data, file: path)
    }

    /// Reads the file, lets `change` edit its records, and writes them back atomically, under a lock
    /// (`PATH.lock`) so that two `capstan token` commands at once do not lose each other's change.
    public static func update<T>(_ path: String, _ change: (inout [TokenRecord]) throws -> T) throws -> T {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: folder) {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        }
        let lock = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard lock >= 0 else { throw TokenFileError("cannot open \(path).lock: \(String(cString: strerror(errno)))") }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else {
            throw TokenFileError("cannot lock \(path).lock: \(String(cString: strerror(errno)))")
        }
        var records = try read(path)
        let result = try change(&records)
        try write(records, to: path)
        return result
    }

    /// Replaces the file with `records`: written to a temporary file (0600) beside it, synced, renamed, and
    /// the folder synced, so that a power cut cannot bring back a token that was revoked. The new file keeps
    /// the old one's owner: `sudo capstan token …` must not leave a file the server's user cannot read.
    public static func write(_ records: [TokenRecord], to path: String) throws(TokenFileError) {
        let existing = try? FileManager.default.attributesOfItem(atPath: path)
        let owner = (existing?[.ownerAccountID] as? NSNumber).map { uid_t($0.uint32Value) }
        let group = (existing?[.groupOwnerAccountID] as? NSNumber).map { gid_t($0.uint32Value) }
        let temporary = path + ".tmp-\(UInt32.random(in: .min ... .max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw TokenFileError("cannot create \(temporary): \(String(cString: strerror(errno)))")
        }
        if let owner, let group, owner != geteuid() || group != getegid(), fchown(descriptor, owner, group) != 0 {
            close(descriptor)
            unlink(temporary)
            throw TokenFileError("\(path) belongs to user \(owner): run capstan token as that user (or root), "
                + "so that the file stays readable by the server")
        }
        let data = render(records)
        let written = data.withUnsafeBytes { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let count = systemWrite(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                offset += count
            }
            return true
        }
        let synced = fsync(descriptor) == 0
        close(descriptor)
        guard written, synced, rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw TokenFileError("cannot write \(path): \(reason)")
        }
        let folder = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// Why the file's permissions are unsafe, if they are: anyone who may write it may add a token. Nil when
    /// the file does not exist or only its owner may write it.
    public static func unsafePermissions(_ path: String) -> String? {
        guard let mode = (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int,
              mode & 0o022 != 0 else { return nil }
        return "\(path) may be written by others (mode \(String(mode & 0o777, radix: 8))): anyone who can "
            + "write it can add a token; chmod 600 it"
    }
}

/// `write(2)`, named apart from ``TokenFile/write(_:to:)``.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}
