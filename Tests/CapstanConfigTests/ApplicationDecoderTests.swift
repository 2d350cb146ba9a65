import CapstanConfig
import CapstanCore
import Foundation
import Testing

@Suite struct ApplicationDecoderTests {
    private func decode(_ yaml: String) -> DecodedApplication {
        ApplicationDecoder.decode(Data(yaml.utf8), file: "apps/x/capstan.yaml")
    }

    private func messages(_ yaml: String) -> [String] { decode(yaml).diagnostics.map(\.description) }

    private static let minimal = """
        apiVersion: capstan/v1
        kind: Application
        name: hello
        manifests: [service.yaml]
        """

    @Test func minimalAppTakesDefaults() throws {
        let app = try #require(decode(Self.minimal).value)
        #expect(app == Application(name: "hello", manifests: ["service.yaml"]))
        #expect(app.platform == "process" && app.target == "local")
        #expect(app.sync == SyncPolicy(auto: true, selfHeal: false))
        #expect(app.strategy == .auto && app.rollback.auto)
    }

    @Test func decodesTheCanaryExample() throws {
        let url = Self.examples.appendingPathComponent("checkout/capstan.yaml")
        let decoded = ApplicationDecoder.decode(try Data(contentsOf: url), file: "checkout/capstan.yaml")
        #expect(decoded.diagnostics.isEmpty, "\(decoded.diagnostics)")
        let app = try #require(decoded.value)
        #expect(app.name == "checkout")
        #expect(app.labels == ["team": "payments", "env": "prod"])
        #expect(app.trigger.paths.map(\.pattern) == ["libs/payments/**"])
        #expect(app.pipeline.map(\.kind) == [.canaryRollout, .baselineRollout, .trafficRouting, .analysis,
                                             .primaryRollout, .trafficRouting, .baselineClean, .canaryClean])
        #expect(app.pipeline[2].options == .trafficRouting(TrafficWeights(primary: 80, canary: 10, baseline: 10)))
        guard case .analysis(let analysis) = app.pipeline[3].options else {
            Issue.record("stage 3 is not an analysis")
            return
        }
        #expect(app.pipeline[3].timeout == .seconds(600))
        #expect(analysis.duration == .seconds(120))
        #expect(analysis.metrics.map(\.name) == ["error-rate", "latency"])
        #expect(analysis.metrics[0].expectedMax == 0.5 && analysis.metrics[0].failureLimit == 1)
        #expect(analysis.metrics[1].strategy == .canaryBaseline && analysis.metrics[1].critical)
        #expect(analysis.metrics[1].direction == .increase && analysis.metrics[1].minSamples == 6)
    }

    @Test func decodesEveryStageOption() throws {
        let app = try #require(decode(Self.minimal + """

            pipeline:
              - stage: CANARY_ROLLOUT
                with: {replicas: "25%"}
              - stage: WAIT
                with: {duration: 1h30m}
              - stage: WAIT_APPROVAL
                with: {approvers: [release-managers, sre], minApprovals: 2}
              - stage: SCRIPT_RUN
                timeout: 5m
                with: {run: "make smoke", env: {TARGET: staging}, timeout: 30s}
              - stage: SYNC
              - stage: BASELINE_ROLLOUT
            """).validValue)
        #expect(app.pipeline.map(\.options) == [
            .rollout(replicas: .percent(25)), .wait(duration: .seconds(5400)),
            .waitApproval(WaitApprovalOptions(approvers: ["release-managers", "sre"], minApprovals: 2)),
            .scriptRun(ScriptRunOptions(run: "make smoke", env: ["TARGET": "staging"], timeout: .seconds(30))),
            .none, .rollout(replicas: .count(1)),
        ])
        #expect(app.pipeline[3].timeout == .seconds(300))
    }

    @Test func reportsEveryErrorWithLineColumnAndField() {
        let errors = messages("""
            apiVersion: capstan/v1
            kind: Application
            name: Checkout
            manifests: [service.yaml]
            sync: {auto: yes}
            pipeline:
              - stage: CANARY_ROLLOUT
              - stage: WAIT
                with:
                  duration: banana
            """)
        #expect(errors == [
            "apps/x/capstan.yaml:3:7: name: expected a name of lowercase letters, digits and '-' starting with a letter (at most 63), got \"Checkout\"",
            "apps/x/capstan.yaml:5:14: sync.auto: expected true or false, got \"yes\"",
            "apps/x/capstan.yaml:10:17: pipeline[1].with.duration: expected a duration like 30s, 5m or 1h, got \"banana\"",
        ])
    }

    @Test func unknownFieldsAreErrorsWithAHint() {
        let errors = messages(Self.minimal + "\ntriger: {paths: [a/**]}\nsync: {selfheal: true}\npipeline:\n  - stage: WAIT\n    wiht: {duration: 1m}")
        #expect(errors.contains("apps/x/capstan.yaml:5:1: triger: unknown field \"triger\"; did you mean \"trigger\"?"))
        #expect(errors.contains("apps/x/capstan.yaml:6:8: sync.selfheal: unknown field \"selfheal\"; did you mean \"selfHeal\"?"))
        #expect(errors.contains("apps/x/capstan.yaml:9:5: pipeline[0].wiht: unknown field \"wiht\"; did you mean \"with\"?"))
    }

    @Test func stageOptionsAreCheckedPerKind() {
        let errors = messages(Self.minimal + """

            pipeline:
              - stage: TRAFFIC_ROUTING
                with: {primary: 50, canary: 40}
              - stage: TRAFFIC_ROUTING
                with: {primary: 100, duration: 5m}
              - stage: ROLLBACK
              - stage: WAIT
              - stage: CANARY_ROLLOUT
                with: {replicas: 0}
              - stage: TRAFIC_ROUTING
            """)
        #expect(errors.count == 6, "\(errors)")
        #expect(errors.contains { $0.contains("pipeline[0].with: primary, canary and baseline must sum to 100") })
        #expect(errors.contains { $0.contains("pipeline[1].with.duration: unknown field \"duration\"") })
        #expect(errors.contains { $0.contains("pipeline[2].stage: ROLLBACK is added by Capstan") })
        #expect(errors.contains { $0.contains("pipeline[3].with: WAIT needs options: duration") })
        #expect(errors.contains { $0.contains("pipeline[4].with.replicas: expected a number of instances") })
        #expect(errors.contains { $0.contains("did you mean \"TRAFFIC_ROUTING\"?") })
    }

    @Test func analysisChecks() {
        let errors = messages(Self.minimal + """

            pipeline:
              - stage: CANARY_ROLLOUT
              - stage: BASELINE_ROLLOUT
              - stage: ANALYSIS
                with:
                  duration: 2m
                  passScore: 50
                  marginalScore: 60
                  metrics:
                    - name: errors
                      provider: prometheus
                      query: up
                    - name: latency
                      provider: prometheus
                      query: up
                      strategy: canary-baseline
                      confidence: 2
                      effectSize: {measure: ratio}
            """)
        #expect(errors.count == 4, "\(errors)")
        #expect(errors.contains { $0.contains("marginalScore (60.0) must not exceed passScore (50.0)") })
        #expect(errors.contains { $0.contains("pipeline[2].with.metrics[0].expected: a threshold metric needs expected.min or expected.max") })
        #expect(errors.contains { $0.contains("metrics[1].confidence: must be between") })
        #expect(errors.contains { $0.contains("metrics[1].effectSize.measure: expected one of meanRatio, cles") })
    }

    @Test func stagesMayOnlyUseVariantsStartedBefore() {
        let errors = messages(Self.minimal + """

            pipeline:
              - stage: TRAFFIC_ROUTING
                with: {primary: 90, canary: 10}
              - stage: CANARY_ROLLOUT
              - stage: ANALYSIS
                with:
                  duration: 1m
                  metrics:
                    - {name: latency, provider: prometheus, query: up, strategy: canary-baseline}
              - stage: CANARY_CLEAN
              - stage: TRAFFIC_ROUTING
                with: {primary: 50, baseline: 50}
            """)
        #expect(errors == [
            "apps/x/capstan.yaml:6:5: pipeline[0]: canary traffic needs a CANARY_ROLLOUT stage before it",
            "apps/x/capstan.yaml:9:5: pipeline[2]: metric latency (canary-baseline) needs a BASELINE_ROLLOUT stage before it",
            "apps/x/capstan.yaml:15:5: pipeline[4]: baseline traffic needs a BASELINE_ROLLOUT stage before it",
        ])
    }

    @Test func zeroDurationsEmptyPipelinesAndMisplacedBoundsAreRefused() {
        let errors = messages(Self.minimal + """

            strategy: pipeline
            pipeline: []
            """)
        #expect(errors == ["apps/x/capstan.yaml:5:11: strategy: strategy pipeline needs a pipeline with at least one stage"])
        let zero = messages(Self.minimal + """

            pipeline:
              - stage: WAIT
                timeout: 0s
                with: {duration: 0ms}
              - stage: ANALYSIS
                with:
                  duration: 1m
                  metrics:
                    - {name: m, provider: p, query: q, interval: 0s, expected: {max: 1}}
                    - {name: n, provider: p, query: q, strategy: previous, expected: {max: 1}}
            """)
        #expect(zero.count == 4, "\(zero)")
        #expect(zero.filter { $0.hasSuffix("must be longer than 0s") }.count == 3)
        #expect(zero.contains { $0.contains("metrics[1].expected: expected bounds only apply to strategy threshold") })
    }

    @Test func globsWithDotSegmentsAreRefused() {
        let errors = messages(Self.minimal + "\ntrigger: {paths: [\"./libs/**\"]}")
        #expect(errors == [
            "apps/x/capstan.yaml:5:19: trigger.paths[0]: glob \"./libs/**\" has a . or .. segment; globs are relative to the repository root",
        ])
    }

    @Test func headerMissingFieldsAndWrongShapes() {
        let errors = messages("apiVersion: capstan/v2\nkind: App\nlabels: [a, b]\nmanifests: []\n")
        #expect(Set(errors) == [
            "apps/x/capstan.yaml:1:1: name: required field is missing",
            "apps/x/capstan.yaml:1:13: apiVersion: expected \"capstan/v1\", got \"capstan/v2\"",
            "apps/x/capstan.yaml:2:7: kind: expected \"Application\", got \"App\"",
            "apps/x/capstan.yaml:3:9: labels: expected a mapping of strings, got a list",
            "apps/x/capstan.yaml:4:12: manifests: list at least one manifest",
        ])
        #expect(errors.count == 5)
    }

    @Test func badYAMLIsLocated() {
        let errors = messages("apiVersion: capstan/v1\nkind: Application\nname: [unclosed\n")
        #expect(errors.count == 1)
        #expect(errors[0].hasPrefix("apps/x/capstan.yaml:4:1: YAML syntax error:"), "\(errors)")
        #expect(messages("name: a\nname: b\n").first?.contains("duplicate key \"name\"") == true)
    }

    @Test func refusesNonUTF8EmptyAndHugeFiles() {
        let invalid = ApplicationDecoder.decode(Data([0x6e, 0x61, 0xff, 0xfe]), file: "f.yaml")
        #expect(invalid.diagnostics.map(\.description) == [
            "f.yaml:1:3: the file is not valid UTF-8 (invalid leading UTF-8 octet at byte 0xFF); save it as UTF-8",
        ])
        #expect(messages("").first?.hasSuffix("file is empty") == true)
        let huge = Data(repeating: UInt8(ascii: "#"), count: (1 << 20) + 1)
        #expect(ApplicationDecoder.decode(huge, file: "f.yaml").diagnostics.first?.message.contains("limit") == true)
    }

    @Test func aliasBombIsRefusedQuickly() {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...9 {
            yaml += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        let errors = messages(yaml)
        #expect(errors.count == 1)
        #expect(errors.first?.contains("aliases expand to more than 100000 values") == true, "\(errors)")
    }

    @Test func normalizesNothingItShouldNot() throws {
        // The Norway problem: a scalar meant as a string keeps its text.
        let app = try #require(decode(Self.minimal + "\nlabels: {country: NO, version: 1.10}").validValue)
        #expect(app.labels == ["country": "NO", "version": "1.10"])
    }

    static let examples = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("manifests/examples")
}
