import Foundation

/// Fills a metric's query: `{{app}}`, `{{variant}}`, `{{commit}}`, `{{deployment}}` and the metric's
/// own `args` (`{{name}}`), so that one query serves every variant.
///
/// An unknown placeholder is an error rather than left in place: a query sent with `{{variant}}`
/// unfilled would match nothing, and no data must never come from a typo.
public struct QueryTemplate: Sendable, Hashable {
    public let text: String

    public init(_ text: String) {
        self.text = text
    }

    /// Why a query could not be filled.
    public struct Unfilled: Error, Sendable, Hashable, CustomStringConvertible {
        public let placeholder: String

        public init(placeholder: String) {
            self.placeholder = placeholder
        }

        public var description: String { "the query uses {{\(placeholder)}}, which has no value here" }
    }

    /// The query with every `{{name}}` replaced by `values[name]` (spaces inside the braces allowed).
    public func render(_ values: [String: String]) throws(Unfilled) -> String {
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                output += rest[open.lowerBound...]
                return output
            }
            let name = rest[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            guard let value = values[name] else { throw Unfilled(placeholder: name) }
            output += value
            rest = rest[close.upperBound...]
        }
        return output + rest
    }
}
