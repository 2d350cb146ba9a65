import CapstanCore
import Testing

@Suite struct DurationTextTests {
    @Test(arguments: [
        ("500ms", Duration.milliseconds(500)), ("30s", .seconds(30)), ("5m", .seconds(300)), ("1h", .seconds(3600)),
        ("1h30m", .seconds(5400)), ("2m15s", .seconds(135)), ("1s500ms", .milliseconds(1500)), ("0s", .zero),
        ("24h", .seconds(86_400)),
    ])
    func parses(text: String, expected: Duration) {
        #expect(DurationText.parse(text) == expected)
    }

    @Test(arguments: ["", "banana", "30", "s", "5 m", "1m1h", "1h1h", "-5s", "1.5s", "30S", "1d", "5m ", "9999999999999h"])
    func refuses(text: String) {
        #expect(DurationText.parse(text) == nil)
    }

    @Test(arguments: ["500ms", "30s", "5m", "1h", "1h30m", "1h0m1s", "0s"])
    func formatsBack(text: String) throws {
        let duration = try #require(DurationText.parse(text))
        #expect(DurationText.parse(DurationText.format(duration)) == duration)
    }

    @Test func formatsShortest() {
        #expect(DurationText.format(.seconds(5400)) == "1h30m")
        #expect(DurationText.format(.milliseconds(1500)) == "1s500ms")
        #expect(DurationText.format(.zero) == "0s")
    }
}
