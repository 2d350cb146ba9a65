import Foundation

/// What a delivery asks for, once its body is read.
enum WebhookEvent: Sendable, Equatable {
    /// A test delivery (GitHub's `ping`, Bitbucket's `diagnostics:ping`): answered 200, nothing fetched.
    case ping
    /// Something was pushed.
    case push(WebhookPush)
    /// An event Capstan does not act on; the text says which.
    case ignored(String)
}

/// A push, as every provider's payload reduces to it.
struct WebhookPush: Sendable, Equatable {
    /// Every URL the payload gives for the repository (clone, SSH, web).
    var urls: [String]
    /// Configured repository names (only the generic provider's body may name one).
    var names: [String] = []
    /// The refs pushed, in full (`refs/heads/main`); nil means whatever branch each repository follows.
    var refs: [String]?
    /// The commit pushed, when the payload says; for the log only.
    var commit: String?
}

/// Reads payload bodies; every failure is a 400 that says what is wrong and where.
enum PayloadJSON {
    static func decode<T: Decodable>(_ type: T.Type, from body: Data, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch DecodingError.keyNotFound(let key, let context) {
            throw APIError.badRequest("\(what): \(path(context.codingPath + [key])) is missing")
        } catch DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context) {
            guard !context.codingPath.isEmpty else { throw APIError.badRequest("\(what): the body must be a JSON object") }
            throw APIError.badRequest("\(what): \(path(context.codingPath)) has the wrong type")
        } catch {
            throw APIError.badRequest("\(what): the body is not JSON")
        }
    }

    /// `push.changes[0].new`, the way the field is written in the payload.
    private static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce("") { text, key in
            if let index = key.intValue { return text + "[\(index)]" }
            return text.isEmpty ? key.stringValue : text + "." + key.stringValue
        }
    }
}
