import CLibGit2
@testable import CapstanGit
import Testing

/// Mapping libgit2 failures to stable codes.
@Suite struct GitErrorTests {
    struct Case: Sendable {
        let result: git_error_code
        let errorClass: git_error_t
        let phase: GitPhase
        let code: GitError.Code
    }

    static let table: [Case] = [
        Case(result: GIT_EAUTH, errorClass: GIT_ERROR_HTTP, phase: .connect, code: .authenticationFailed),
        Case(result: GIT_EAUTH, errorClass: GIT_ERROR_SSH, phase: .transfer, code: .authenticationFailed),
        Case(result: GIT_EAUTH, errorClass: GIT_ERROR_CALLBACK, phase: .read, code: .authenticationFailed),
        Case(result: GIT_ECERTIFICATE, errorClass: GIT_ERROR_SSL, phase: .connect, code: .unreachable),
        Case(result: GIT_ERROR, errorClass: GIT_ERROR_NET, phase: .connect, code: .unreachable),
        Case(result: GIT_ENOTFOUND, errorClass: GIT_ERROR_REPOSITORY, phase: .connect, code: .unreachable),
        Case(result: GIT_EUSER, errorClass: GIT_ERROR_CALLBACK, phase: .transfer, code: .cancelled),
        Case(result: GIT_EEOF, errorClass: GIT_ERROR_NET, phase: .transfer, code: .unreachable),
        Case(result: GIT_ERROR, errorClass: GIT_ERROR_ZLIB, phase: .transfer, code: .corruptMirror),
        Case(result: GIT_ENOTFOUND, errorClass: GIT_ERROR_ODB, phase: .transfer, code: .corruptMirror),
        Case(result: GIT_ERROR, errorClass: GIT_ERROR_OS, phase: .transfer, code: .other),
        Case(result: GIT_ELOCKED, errorClass: GIT_ERROR_REFERENCE, phase: .transfer, code: .other),
        Case(result: GIT_ENOTFOUND, errorClass: GIT_ERROR_ODB, phase: .read, code: .refNotFound),
        Case(result: GIT_EAMBIGUOUS, errorClass: GIT_ERROR_ODB, phase: .read, code: .refNotFound),
        Case(result: GIT_EPEEL, errorClass: GIT_ERROR_OBJECT, phase: .read, code: .refNotFound),
        Case(result: GIT_ERROR, errorClass: GIT_ERROR_ZLIB, phase: .read, code: .corruptMirror),
        Case(result: GIT_EMISMATCH, errorClass: GIT_ERROR_SHA, phase: .read, code: .corruptMirror),
        Case(result: GIT_ERROR, errorClass: GIT_ERROR_NOMEMORY, phase: .read, code: .other),
    ]

    @Test(arguments: table)
    func classifies(_ example: Case) {
        let code = GitError.Code.classify(result: example.result.rawValue, errorClass: Int32(example.errorClass.rawValue), phase: example.phase)
        #expect(code == example.code)
    }

    @Test func descriptionNamesCodeRemoteAndMessage() {
        let error = GitError(code: .refNotFound, operation: "resolve main", remote: "https://host/x.git", message: "no such branch")
        #expect(error.description == "git resolve main failed for https://host/x.git [refNotFound]: no such branch")
    }
}
