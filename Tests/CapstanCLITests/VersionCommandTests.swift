import ArgumentParser
@testable import CapstanCLI
import Testing

@Suite struct VersionCommandTests {
    @Test func printsOurVersionAndLibgit2s() throws {
        let console = Console.capturing()
        try Capstan.Version.parse([]).execute(console: console)
        #expect(console.output.hasPrefix("capstan \(Capstan.Version.current) (libgit2 1."))
    }
}
