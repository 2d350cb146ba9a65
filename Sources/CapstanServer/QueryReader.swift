import Foundation
import Hummingbird

/// Reads and checks query parameters; every failure is a 400 that names the parameter.
struct QueryReader {
    private let items: [(key: Substring, value: Substring)]

    init(_ request: Request) {
        items = Array(request.uri.queryParameters)
    }

    /// The parameter's value, nil when absent; empty or repeated values are refused.
    func string(_ name: String) throws -> String? {
        let values = items.filter { $0.key == name[...] }.map(\.value)
        guard let value = values.first else { return nil }
        guard values.count == 1 else { throw APIError.badRequest("\(name) is given \(values.count) times; give it once") }
        guard !value.isEmpty else { throw APIError.badRequest("\(name) is empty; give a value or leave it out") }
        return String(value)
    }

    /// An integer within `range`, or `defaultValue` when absent.
    func integer<T: FixedWidthInteger & Sendable>(_ name: String, in range: ClosedRange<T>, default defaultValue: T) throws -> T {
        guard let text = try string(name) else { return defaultValue }
        guard let value = T(text), range.contains(value) else {
            throw APIError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// One of an enumeration's raw values (case-insensitive), nil when absent.
    func choice<T: RawRepresentable & CaseIterable>(_ name: String, as type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = try string(name) else { return nil }
        guard let value = T.allCases.first(where: { $0.rawValue.caseInsensitiveCompare(text) == .orderedSame }) else {
            let names = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIError.badRequest("\(name) must be one of \(names), not '\(text)'")
        }
        return value
    }
}
