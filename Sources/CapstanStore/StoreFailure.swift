import CapstanCore
import GRDB

/// Turns whatever SQLite or GRDB throws into a ``StoreError`` that says what failed and what to check.
///
/// `StoreError`s thrown by the store's own checks (conflict, not found) and cancellation pass through;
/// everything else means the store cannot be used as it is, so it becomes `.unavailable`.
enum StoreFailure {
    static func mapping<T>(_ operation: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw map(error, operation())
        }
    }

    static func mapping<T: Sendable>(
        _ operation: @autoclosure () -> String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw map(error, operation())
        }
    }

    static func map(_ error: any Error, _ operation: String) -> any Error {
        switch error {
        case let error as StoreError: error
        case let error as CancellationError: error
        case let error as DatabaseError: StoreError.unavailable("\(operation): \(explain(error))")
        default: StoreError.unavailable("\(operation): \(error)")
        }
    }

    /// A sentence people can act on, then SQLite's own words and code.
    static func explain(_ error: DatabaseError) -> String {
        let hint: String
        switch error.resultCode {
        case .SQLITE_FULL: hint = "the disk (or the database's size limit) is full"
        case .SQLITE_READONLY, .SQLITE_PERM:
            hint = "the database is read-only; check the permissions of the file, its -wal/-shm files and its folder"
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: hint = "the file is corrupt or not a Capstan database; restore it from a backup"
        case .SQLITE_CANTOPEN: hint = "the file cannot be opened; check that its folder exists and is writable"
        case .SQLITE_IOERR: hint = "an I/O error occurred (failing disk, or the file was removed or moved)"
        case .SQLITE_BUSY, .SQLITE_LOCKED: hint = "the database is locked by another process"
        case .SQLITE_MISUSE where error.message?.contains("closed") == true: hint = "the store is closed"
        default: hint = "SQLite failed"
        }
        let detail = error.message.map { " (\($0); code \(error.extendedResultCode.rawValue))" }
            ?? " (code \(error.extendedResultCode.rawValue))"
        return hint + detail
    }
}
