import CapstanCore
import Yams

extension ServerConfigDecoder {
    /// `auth: {tokensFile: tokens.jsonl, anonymousRead: false}`.
    static func auth(_ node: Node, _ path: FieldPath, _ r: YAMLReader) -> AuthConfig? {
        guard let f = r.mapping(node, path, known: objects["Auth"]!) else { return nil }
        let tokensFile = f.required("tokensFile", r.nonEmptyString)
        let anonymousRead = f.optional("anonymousRead", r.bool) ?? true
        guard let tokensFile else { return nil }
        return AuthConfig(tokensFile: tokensFile, anonymousRead: anonymousRead)
    }
}
