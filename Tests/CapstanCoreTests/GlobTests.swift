import CapstanCore
import Testing

@Suite struct GlobTests {
    @Test(arguments: [
        ("*.md", "README.md", true),
        ("*.md", "docs/README.md", false),
        ("**/*.md", "README.md", true),
        ("**/*.md", "a/b/c/README.md", true),
        ("**/*.md", "a/b/c/README.mdx", false),
        ("libs/payments/**", "libs/payments/x.py", true),
        ("libs/payments/**", "libs/payments/deep/er/x.py", true),
        ("libs/payments/**", "libs/paymentsx/x.py", false),
        ("libs/payments/", "libs/payments/a/b", true),
        ("a/**/b", "a/b", true),
        ("a/**/b", "a/x/y/b", true),
        ("a/**/b", "a/x/y/c", false),
        ("a/**/**/b", "a/b", true),
        ("a/?.txt", "a/1.txt", true),
        ("a/?.txt", "a/12.txt", false),
        ("a/?", "a//", false),
        ("[abc].go", "b.go", true),
        ("[abc].go", "d.go", false),
        ("[a-c]x", "bx", true),
        ("[!a-c]x", "bx", false),
        ("[^a-c]x", "dx", true),
        ("[]]", "]", true),
        ("\\*.md", "*.md", true),
        ("\\*.md", "a.md", false),
        ("*", "a/b", false),
        ("**", "a/b", true),
        ("a*b*c", "aXXbYYc", true),
        ("a*b*c", "aXXbYY", false),
        ("docs/*/index.html", "docs/v1/index.html", true),
        ("docs/*/index.html", "docs/index.html", false),
        ("café/*", "café/menu", true),
    ])
    func matches(pattern: String, path: String, expected: Bool) throws {
        #expect(try Glob(pattern).matches(path) == expected, "\(pattern) vs \(path)")
    }

    @Test(arguments: ["", "/abs/**", "[abc", "a\\", "[z-a]"])
    func refusesBadPatterns(pattern: String) {
        #expect(throws: Glob.SyntaxError.self) { try Glob(pattern) }
    }

    @Test func manyStarsStayFast() throws {
        // A pattern that makes naive backtracking exponential.
        let glob = try Glob(String(repeating: "a*", count: 30) + "b")
        #expect(!glob.matches(String(repeating: "a", count: 200)))
        let deep = try Glob(Array(repeating: "**", count: 20).joined(separator: "/") + "/z")
        #expect(!deep.matches(Array(repeating: "x", count: 200).joined(separator: "/")))
    }
}
