import Foundation
import Testing

/// docs/plugins.md promises that its example plugin is the one the tests run.
@Suite struct PluginDocsTests {
    @Test func theDocumentedExampleIsTheTestedFixture() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/plugins.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: "```python\n", options: .backwards))
        let end = try #require(text.range(of: "```", range: start.upperBound..<text.endIndex))
        let fixture = try String(contentsOfFile: EchoPlugin.script, encoding: .utf8)
        #expect(String(text[start.upperBound..<end.lowerBound]) == fixture)
    }
}
