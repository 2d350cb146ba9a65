import CapstanCore
@testable import CapstanServer
import CapstanTesting
import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Signed deliveries with mutated and mistyped payloads for every provider: the answer is a 2xx or a 4xx JSON
/// error with a message, never a 5xx, each within a second; and ``PayloadScanner`` agrees with Foundation's
/// JSON parser on which bodies are JSON objects.
@Suite struct WebhookFuzzTests {
    /// Provider → its fixtures and the event headers its deliveries carry.
    static let providers: [(name: String, fixtures: [String], events: HTTPFields)] = [
        ("github", ["github-push.json", "github-ping.json", "github-tag-delete.json"], [.githubEvent: "push"]),
        ("gitlab", ["gitlab-push.json", "gitlab-tag-push.json"], [.gitlabEvent: "Push Hook"]),
        ("gitea", ["gitea-push.json"], [.giteaEvent: "push"]),
        ("bitbucket", ["bitbucket-cloud-push.json"], [.bitbucketEvent: "repo:push"]),
        ("bitbucket", ["bitbucket-server-refs-changed.json"], [.bitbucketEvent: "repo:refs_changed"]),
        ("generic", [], [:]),
    ]

    static let genericSeeds = [#"{"repository": "apps", "ref": "refs/heads/main", "commit": "4f2a9c1"}"#, #"{"repository": "x"}"#]

    static func seeds(_ fixtures: [String]) throws -> [[UInt8]] {
        try fixtures.map { Array(try Hook.payload($0)) } + (fixtures.isEmpty ? genericSeeds.map { Array($0.utf8) } : [])
    }

    /// A body: a fixture with values swapped for other JSON types (structure-aware), or mutated bytes.
    static func body(_ seeds: [[UInt8]], _ rng: inout SplitMix64) -> [UInt8] {
        let seed = rng.pick(seeds)
        if rng.chance(40), let json = try? JSONSerialization.jsonObject(with: Data(seed), options: [.fragmentsAllowed]) {
            let changed = JSONFuzz.retype(json, depth: 0, &rng)
            if let data = try? JSONSerialization.data(withJSONObject: changed, options: [.fragmentsAllowed, .sortedKeys]) { return Array(data) }
        }
        return FuzzMutator.mutate(seed, others: seeds, rounds: 5, using: &rng)
    }

    @Test(arguments: Array(providers.indices))
    func signedDeliveriesAreAnsweredWith2xxOr4xx(_ index: Int) async throws {
        let (provider, fixtures, events) = Self.providers[index]
        let seeds = try Self.seeds(fixtures)
        let report = try await Hook.withRoutes { client in
            await Fuzz.run("webhook.\(provider)\(index)", count: 300, make: { Self.body(seeds, &$0) }) { body in
                var headers = events
                if !events.isEmpty, body.count % 7 == 0 { headers = [:] }  // sometimes no event header
                do {
                    let response = try await Hook.post(client, provider, Data(body), secret: Hook.secret(provider), headers: headers)
                    return APIFuzzCheck.problem(response)
                } catch {
                    return "the request failed: \(error)"
                }
            }
        }
        for failure in report.failures.prefix(10) { Issue.record("\(failure)") }
        #expect(report.failures.isEmpty, "\(report)")
    }

    /// Found by the scanner's fuzzer (seed 0x5387cd985eed13ca): a body that is not UTF-8 was read, the broken
    /// bytes of a URL becoming U+FFFD; it is a 400 now.
    @Test func aBodyThatIsNotUTF8Is400() async throws {
        var bytes = Array(try Hook.payload("github-push.json"))
        let url = Array("Hello-World.git".utf8)
        let at = try #require(bytes.indices.first { bytes[$0...].starts(with: url) })
        bytes.replaceSubrange(at..<(at + 1), with: [0xC3, 0x28])
        let body = bytes
        try await Hook.withRoutes { client in
            let response = try await Hook.post(client, "github", Data(body), secret: Hook.githubSecret, headers: [.githubEvent: "push"])
            #expect(response.status == .badRequest)
            #expect(try response.apiError.message == "GitHub push event: the body is not JSON")
        }
    }

    /// The scanner reads push payloads without building them; whatever it accepts Foundation accepts too,
    /// and the other way round (up to the scanner's depth limit).
    @Test func thePayloadScannerAgreesWithFoundation() async throws {
        let seeds = try Self.seeds(Self.providers.flatMap(\.fixtures))
        let report = await Fuzz.runOnOwnThread("webhook.scanner", count: 2_000, make: { Self.body(seeds, &$0) }) { body in
            let scanned = Result { () throws(PayloadScanner.Failure) in try PayloadScanner.pick(Data(body), WebhookPayloads.repositoryShape) }
            let foundation = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])
            switch (scanned, foundation) {
            case (.success, let value?) where value is [String: Any]: return nil
            // A lone surrogate escape (`\ud800`) in a field the scanner skips: the grammar allows it (RFC 8259
            // §8.2), Foundation refuses it; a picked one goes through JSONDecoder and is refused as well.
            case (.success, _) where body.count > 1 && String(decoding: body, as: UTF8.self).lowercased().contains("\\ud"): return nil
            case (.success, _): return "the scanner took a body Foundation refuses as an object"
            case (.failure(.notObject), let value?) where !(value is [String: Any]): return nil
            case (.failure(.notJSON), nil): return nil
            case (.failure(let failure), _):
                return "the scanner says \(failure) of a body Foundation reads as \(type(of: foundation as Any))"
            }
        }
        for failure in report.failures.prefix(10) { Issue.record("\(failure)") }
        #expect(report.failures.isEmpty, "\(report)")
    }
}

/// Structure-aware JSON changes: a value replaced by one of another type, a key dropped, a string made huge.
enum JSONFuzz {
    static func retype(_ value: Any, depth: Int, _ rng: inout SplitMix64) -> Any {
        if rng.chance(15) { return replacement(&rng) }
        switch value {
        case let object as [String: Any]:
            var result: [String: Any] = [:]
            // In key order: a dictionary's order changes between processes, and the input must not.
            for key in object.keys.sorted() where !rng.chance(5) { result[key] = retype(object[key]!, depth: depth + 1, &rng) }
            return result
        case let array as [Any]:
            return array.map { retype($0, depth: depth + 1, &rng) }
        default:
            return value
        }
    }

    static func replacement(_ rng: inout SplitMix64) -> Any {
        switch rng.below(8) {
        case 0: return NSNull()
        case 1: return rng.chance(50)
        case 2: return rng.pick([0, -1, Int.max, Int.min]) as Int
        case 3: return 1e308
        case 4: return [String: Any]()
        case 5: return [rng.pick(FuzzYAML.hostileScalars)]
        case 6: return String(repeating: rng.pick(["a", "é", "\u{0}", "\""]), count: rng.pick([0, 1, 100, 20_000]))
        default: return rng.pick(FuzzYAML.hostileScalars)
        }
    }
}
