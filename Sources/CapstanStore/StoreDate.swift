import Foundation

/// How the store keeps times: INTEGER microseconds since 1970-01-01 UTC.
///
/// Why this form: it sorts and indexes as a plain integer, reads in the sqlite3 shell with
/// `datetime(at / 1e6, 'unixepoch', 'subsec')`, and has the precision of PostgreSQL's `timestamptz`,
/// the store that comes next — so both SQL stores keep the same instants. A date with whole
/// microseconds (any date built from milliseconds or microseconds) round-trips exactly; finer parts
/// are rounded to the nearest microsecond. `MemoryDeploymentStore` (CapstanTesting) rounds the same way
/// so that every store gives back the same values.
enum StoreDate {
    /// Microseconds since 1970, rounded to the nearest; clamped to what an Int64 holds (±292,000 years).
    static func microseconds(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        // A NaN or huge date is a caller's bug, but converting it must not trap inside a transaction.
        guard value.isFinite else { return 0 }
        if value >= 9.2e18 { return Int64.max }
        if value <= -9.2e18 { return Int64.min }
        return Int64(value)
    }

    /// The date `microseconds` after 1970.
    static func date(_ microseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(microseconds) / 1_000_000)
    }

    /// `date` as the store gives it back.
    static func rounded(_ date: Date) -> Date {
        self.date(microseconds(date))
    }
}
