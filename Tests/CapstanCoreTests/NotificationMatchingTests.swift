import CapstanCore
import Foundation
import Testing

/// Which events go to which receiver: event kind patterns, applications and labels.
@Suite struct NotificationMatchingTests {
    static func event(_ kind: EventKind, app: String? = "checkout") -> Event {
        Event(sequence: 7, NewEvent(kind: kind, at: Date(timeIntervalSince1970: 0), app: app, message: "m"))
    }

    @Test(arguments: [
        ("*", EventKind.repositoryError, true),
        ("deployment.*", .deploymentCreated, true),
        ("deployment.*", .deploymentReplanned, true),
        ("deployment.*", .stageStateChanged, false),
        ("stage.*", .stageLog, true),
        ("analysis.*", .analysisResult, true),
        ("deployment.state_changed", .deploymentStateChanged, true),
        ("deployment.state_changed", .deploymentCreated, false),
        ("app.*", .appStatusChanged, true),
        ("app.*", .approvalRecorded, false),
    ])
    func patterns(pattern: String, kind: EventKind, matches: Bool) throws {
        #expect(try #require(EventPattern(pattern)).matches(kind) == matches)
    }

    @Test(arguments: ["deploy.*", "deployment", "deployment.", "deployment.**", "deployment.state", "*.*", "", "Deployment.*",
                      "deployment.*.x", "stage*"])
    func unknownPatternsAreRefused(pattern: String) {
        #expect(EventPattern(pattern) == nil)
    }

    @Test func everyKnownPatternParses() {
        #expect(EventPattern.families == ["deployment", "stage", "analysis", "approval", "app", "repository"])
        #expect(EventPattern.known.allSatisfy { EventPattern($0) != nil })
        #expect(EventPattern.known.count == 1 + 6 + EventKind.allCases.count)
    }

    @Test func anEmptyFilterTakesEverything() {
        let all = NotificationConfig(name: "all", url: "http://r")
        #expect(all.matches(Self.event(.stageLog), labels: nil))
        #expect(all.matches(Self.event(.repositoryPolled, app: nil), labels: nil))
    }

    @Test func kindsAppsAndLabelsMustAllMatch() throws {
        let config = NotificationConfig(
            name: "payments", url: "http://r", events: [try #require(EventPattern("deployment.*"))],
            apps: ["checkout", "billing"], labels: ["team": "payments", "env": "prod"])
        let labels = ["team": "payments", "env": "prod", "tier": "1"]
        #expect(config.matches(Self.event(.deploymentStateChanged), labels: labels))
        #expect(!config.matches(Self.event(.stageStateChanged), labels: labels), "not asked-for kind")
        #expect(!config.matches(Self.event(.deploymentCreated, app: "search"), labels: labels), "another application")
        #expect(!config.matches(Self.event(.deploymentCreated), labels: ["team": "payments"]), "a label missing")
        #expect(!config.matches(Self.event(.deploymentCreated), labels: ["team": "payments", "env": "staging"]),
                "a label with another value")
        #expect(!config.matches(Self.event(.deploymentCreated), labels: nil), "an application the store does not know")
    }

    @Test func eventsOfNoApplicationPassOnlyFiltersOnNoApplication() {
        let byApp = NotificationConfig(name: "a", url: "http://r", apps: ["checkout"])
        let byLabel = NotificationConfig(name: "l", url: "http://r", labels: ["team": "payments"])
        let byKind = NotificationConfig(name: "k", url: "http://r", events: [EventPattern("repository.*")!])
        let error = Self.event(.repositoryError, app: nil)
        #expect(!byApp.matches(error, labels: nil))
        #expect(!byLabel.matches(error, labels: nil))
        #expect(byKind.matches(error, labels: nil))
    }

    @Test func labelsAloneMatchAnyApplicationThatHasThem() {
        let config = NotificationConfig(name: "l", url: "http://r", labels: ["team": "payments"])
        #expect(config.matches(Self.event(.stageLog, app: "billing"), labels: ["team": "payments"]))
        #expect(!config.matches(Self.event(.stageLog, app: "search"), labels: [:]))
    }
}
