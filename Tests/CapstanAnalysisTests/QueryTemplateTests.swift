import CapstanAnalysis
import Testing

@Suite struct QueryTemplateTests {
    @Test func fillsEveryPlaceholderAndLeavesTheRest() throws {
        let query = QueryTemplate(#"sum(rate(haproxy_server_http_responses_total{proxy="be_{{app}}", server=~"{{ variant }}-.*", code="5xx"}[{{window}}]))"#)
        let filled = try query.render(["app": "checkout", "variant": "canary", "window": "1m"])
        #expect(filled == #"sum(rate(haproxy_server_http_responses_total{proxy="be_checkout", server=~"canary-.*", code="5xx"}[1m]))"#)
    }

    @Test func anUnknownPlaceholderIsAnErrorNotAnEmptyMatch() {
        #expect(throws: QueryTemplate.Unfilled(placeholder: "varaint")) {
            try QueryTemplate("up{variant=\"{{varaint}}\"}").render(["variant": "canary"])
        }
    }

    @Test func unclosedBracesAreLeftAsWritten() throws {
        #expect(try QueryTemplate("a {{b").render([:]) == "a {{b")
        #expect(try QueryTemplate("no placeholders").render([:]) == "no placeholders")
    }
}
