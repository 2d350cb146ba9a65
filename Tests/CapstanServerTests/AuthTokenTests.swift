@testable import CapstanServer
import Foundation
import Testing

/// Tokens: their form, their hash, the constant-time comparison, the Authorization header and roles.
@Suite struct AuthTokenTests {
    @Test func aTokenIsThePrefixAnd32RandomBytesInBase64URL() {
        let tokens = (0..<100).map { _ in BearerToken.generate() }
        #expect(Set(tokens).count == 100)
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for token in tokens {
            #expect(token.hasPrefix("capstan_"))
            let body = token.dropFirst("capstan_".count)
            #expect(body.count == 43)  // 32 bytes, unpadded
            #expect(body.allSatisfy(alphabet.contains), "\(token)")
        }
    }

    /// FIPS 180-2's vectors.
    @Test(arguments: [
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    ])
    func theHashIsSHA256InLowerCaseHex(_ vector: (input: String, hex: String)) {
        #expect(BearerToken.sha256Hex(vector.input) == vector.hex)
        #expect(BearerToken.bytes(hex: vector.hex) == BearerToken.digest(vector.input))
    }

    @Test(arguments: ["", "abc", String(repeating: "g", count: 64), String(repeating: "a", count: 63)])
    func onlySixtyFourHexDigitsAreAHash(_ text: String) {
        #expect(BearerToken.bytes(hex: text) == nil)
    }

    static let comparisons: [(a: [UInt8], b: [UInt8], equal: Bool)] = [
        ([], [], true), ([1, 2, 3], [1, 2, 3], true), ([1, 2, 3], [1, 2, 4], false), ([0, 2, 3], [1, 2, 3], false),
        ([1, 2], [1, 2, 3], false), (Array(repeating: 7, count: 32), Array(repeating: 7, count: 32), true),
    ]

    @Test(arguments: comparisons)
    func constantTimeEqualCompares(_ comparison: (a: [UInt8], b: [UInt8], equal: Bool)) {
        #expect(BearerToken.constantTimeEqual(comparison.a, comparison.b) == comparison.equal)
    }

    /// However early the first difference, every byte of both is read: the time does not say where it was.
    @Test(arguments: [0, 1, 16, 31])
    func constantTimeEqualReadsEveryByte(_ differingAt: Int) {
        let counter = ReadCounter()
        var other = Array(repeating: UInt8(9), count: 32)
        other[differingAt] = 0
        let a = CountingBytes(bytes: Array(repeating: 9, count: 32), counter: counter)
        let b = CountingBytes(bytes: other, counter: counter)
        #expect(!BearerToken.constantTimeEqual(a, b))
        #expect(counter.reads == 64)
    }

    static let headers: [(value: String, token: String?)] = [
        ("Bearer capstan_abc", "capstan_abc"), ("bearer capstan_abc", "capstan_abc"), ("BEARER  capstan_abc ", "capstan_abc"),
        ("Basic YTpi", nil), ("Bearer", nil), ("Bearer ", nil), ("capstan_abc", nil), ("", nil),
    ]

    @Test(arguments: headers)
    func theAuthorizationHeaderIsBearer(_ header: (value: String, token: String?)) {
        #expect(BearerToken.fromAuthorization(header.value) == header.token)
    }

    static let implied: [(roles: [Role], effective: Set<Role>)] = [
        ([.viewer], [.viewer]), ([.deployer], [.deployer, .viewer]), ([.approver], [.approver, .viewer]),
        ([.admin], [.viewer, .deployer, .approver, .admin]), ([.deployer, .approver], [.viewer, .deployer, .approver]),
        ([], []),
    ]

    @Test(arguments: implied)
    func adminImpliesEverythingAndEveryRoleReads(_ row: (roles: [Role], effective: Set<Role>)) {
        #expect(Role.effective(row.roles) == row.effective)
    }

    @Test(arguments: ["alice", "ci-deployer", "bot@github", "a.b_c", "7", String(repeating: "x", count: 64)])
    func tokenNamesThatAreAccepted(_ name: String) {
        #expect(TokenRecord.problem(withName: name) == nil)
    }

    @Test(arguments: ["", "role:admin", "-alice", "al ice", "älice", "a/b", String(repeating: "x", count: 65)])
    func tokenNamesThatAreRefused(_ name: String) {
        #expect(TokenRecord.problem(withName: name) != nil)
    }

    @Test func aRecordKeepsItsRolesInOrderWithoutRepeats() {
        let record = TokenRecord(name: "a", roles: [.admin, .viewer, .admin], sha256: "", created: Timestamp(Date()))
        #expect(record.roles == [.viewer, .admin])
        #expect(record.effectiveRoleNames == ["viewer", "deployer", "approver", "admin"])
    }
}

/// Counts reads of the bytes of ``CountingBytes``.
final class ReadCounter: @unchecked Sendable {
    // @unchecked: one test's single task reads and writes it.
    var reads = 0
}

/// Bytes that count how many of them are read.
struct CountingBytes: Collection {
    let bytes: [UInt8]
    let counter: ReadCounter

    var startIndex: Int { bytes.startIndex }
    var endIndex: Int { bytes.endIndex }
    func index(after index: Int) -> Int { index + 1 }
    subscript(position: Int) -> UInt8 {
        counter.reads += 1
        return bytes[position]
    }
}
