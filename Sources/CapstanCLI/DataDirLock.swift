import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on the data dir, so two `capstan serve` never deploy from one store at once.
/// The kernel drops it when the process dies, so a crash never leaves it behind.
final class DataDirLock {
    private let descriptor: Int32

    init(_ url: URL) throws {
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LockError(message: "cannot open \(url.path): \(String(cString: strerror(errno)))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw LockError(message: "another capstan serve is using \(url.deletingLastPathComponent().path); "
                + "stop it first, or give this one its own --data folder")
        }
    }

    func release() {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }

    struct LockError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
