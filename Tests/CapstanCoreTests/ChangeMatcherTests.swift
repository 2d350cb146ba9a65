import CapstanCore
import CapstanTesting
import Testing

@Suite struct ChangeMatcherTests {
    let apps: [DiscoveredApp]

    init() throws {
        apps = [
            try AppFixtures.app("checkout", folder: "apps/checkout", paths: ["libs/payments/**"], ignore: ["**/*.md"]),
            try AppFixtures.app("cart", folder: "apps/cart", ignore: ["apps/cart/docs/**"]),
            try AppFixtures.app("catalog", folder: "apps/catalog"),
            try AppFixtures.app("checkout-v2", folder: "apps/checkout-v2"),
        ]
    }

    private func touched(_ paths: [String]) -> [String] {
        ChangeMatcher(apps: apps).touched(by: paths).map { apps[$0.appIndex].spec.name }
    }

    @Test func pathUnderFolderTouches() {
        #expect(touched(["apps/cart/main.py"]) == ["cart"])
        #expect(touched(["apps/cart/deep/nested/file.txt"]) == ["cart"])
    }

    @Test func siblingWithCommonPrefixDoesNotTouch() {
        #expect(touched(["apps/checkout-v2/main.py"]) == ["checkout-v2"])
        #expect(touched(["apps/checkoutx"]) == [])
    }

    @Test func triggerPathTouches() {
        #expect(touched(["libs/payments/rates.py"]) == ["checkout"])
        #expect(touched(["libs/other/x.py"]) == [])
    }

    @Test func onlyIgnoredPathsDoNotTouch() {
        #expect(touched(["apps/checkout/README.md"]) == [])
        #expect(touched(["apps/cart/docs/guide.txt", "apps/checkout/docs/a.md"]) == [])
    }

    @Test func realChangePlusIgnoredFileTouches() throws {
        // PipeCD drops the commit when one file matches an ignore pattern; Capstan keeps the real change.
        let result = ChangeMatcher(apps: apps).touched(by: ["apps/checkout/README.md", "apps/checkout/main.py"])
        let touch = try #require(result.first)
        #expect(result.count == 1)
        #expect(touch.paths == ["apps/checkout/main.py"])
        #expect(touch.ignored == ["apps/checkout/README.md"])
    }

    @Test func configChangeAlwaysTouchesEvenWhenIgnored() throws {
        let ignoreAll = try AppFixtures.app("x", folder: "x", ignore: ["**"])
        let result = ChangeMatcher(apps: [ignoreAll]).touched(by: ["x/capstan.yaml", "x/other"])
        #expect(result.count == 1)
        #expect(result.first?.configChanged == true)
        #expect(result.first?.paths == ["x/capstan.yaml"])
    }

    @Test func renameAcrossTwoAppsTouchesBoth() {
        // A rename is reported as its old and its new path.
        #expect(touched(["apps/cart/util.py", "apps/catalog/util.py"]) == ["cart", "catalog"])
    }

    @Test func rootAppSeesEverything() throws {
        let root = try AppFixtures.app("root", folder: "")
        let nested = try AppFixtures.app("nested", folder: "svc")
        let result = ChangeMatcher(apps: [root, nested]).touched(by: ["svc/a"]).map(\.appIndex)
        #expect(result == [0, 1])
    }

    @Test func noChangeTouchesNothing() {
        #expect(touched([]) == [])
    }

    @Test func manyAppsOnlyTheTouchedOne() throws {
        let many = try (0..<10_000).map { try AppFixtures.app("app-\($0)", folder: "apps/app-\($0)") }
        let result = ChangeMatcher(apps: many).touched(by: ["apps/app-4242/main.py"])
        #expect(result.map(\.appIndex) == [4242])
    }
}
