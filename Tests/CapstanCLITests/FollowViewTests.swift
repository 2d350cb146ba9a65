@testable import CapstanCLI
import CapstanCore
import CapstanServer
import Foundation
import Testing

/// The follow view on its own: events in, rows and lines out; and the in-place redraw.
@Suite struct FollowViewTests {
    static let t0 = Date(timeIntervalSince1970: 1_740_830_400.25)
    static let id = DeploymentID(rawValue: "d-0007")

    static func event(_ sequence: Int64, _ kind: EventKind, stage: Int? = nil, _ data: [String: String], at seconds: Double)
        -> EventView {
        EventView(Event(sequence: sequence, NewEvent(kind: kind, at: t0.addingTimeInterval(seconds), app: "checkout",
                                                     deployment: id, stageIndex: stage, message: "m\(sequence)", data: data)))
    }

    static func detail(events: [Event]) -> DeploymentDetailView {
        let deployment = Deployment(id: id, app: "checkout", commit: CommitID(String(repeating: "c", count: 40))!,
                                    previousCommit: nil, trigger: .commit, strategy: .pipeline, state: .running,
                                    createdAt: t0, updatedAt: t0)
        let stages = [
            StageRecord(deployment: id, index: 0, kind: .trafficRouting,
                        options: .object(["primary": .number(90), "canary": .number(10), "baseline": .number(0)]),
                        state: .running, attempts: 1, startedAt: t0.addingTimeInterval(1)),
            StageRecord(deployment: id, index: 1, kind: .rollback),
        ]
        return DeploymentDetailView(deployment, stages: stages, approvals: [], events: events)
    }

    @Test func aStageRecordOlderThanItsLastEventTakesTheEventsState() {
        // The records were read before the event that ended stage 0 was: the event wins.
        let ended = Event(sequence: 9, NewEvent(kind: .stageStateChanged, at: Self.t0.addingTimeInterval(3), app: "checkout",
                                                deployment: Self.id, stageIndex: 0, message: "done",
                                                data: ["to": "SUCCESS", "attempt": "1"]))
        let followed = FollowedDeployment(Self.detail(events: [ended]))
        #expect(followed.view(now: Self.t0.addingTimeInterval(10)) == [
            "d-0007  checkout  ccccccc  RUNNING",
            "#  STAGE            STATE        STARTED   TOOK  DETAILS",
            "0  TRAFFIC_ROUTING  SUCCESS      12:00:01  2.0s  primary 90% canary 10%",
            "1  ROLLBACK         NOT_STARTED  -         -",
        ])
    }

    @Test func eachChangeIsOneLineAndLogsAreNone() {
        var followed = FollowedDeployment(Self.detail(events: []))
        #expect(followed.apply(Self.event(10, .stageLog, stage: 0, [:], at: 2)) == .none)
        #expect(followed.apply(Self.event(11, .stageStateChanged, stage: 0, ["to": "FAILURE", "reason": "canary died"], at: 4))
            == .lines(["12:00:04  stage 0 TRAFFIC_ROUTING: FAILURE after 3.0s  primary 90% canary 10%; canary died"]))
        #expect(followed.apply(Self.event(12, .deploymentReplanned, [:], at: 4)) == .reload)
        #expect(followed.outcome == nil)
        #expect(followed.apply(Self.event(13, .deploymentStateChanged, ["to": "FAILURE"], at: 5))
            == .lines(["12:00:05  d-0007: FAILURE"]))
        #expect(followed.outcome == .failure)
    }

    @Test func theDrawingGoesBackOverWhatItDrewAndSkipsWhatDidNotChange() {
        var screen = TerminalDrawing(columns: 8)
        #expect(screen.redraw(["first line", "two"]) == "\u{1B}[Jfirst l\ntwo")
        #expect(screen.redraw(["first line", "two"]) == nil)
        #expect(screen.redraw(["one"]) == "\u{1B}[2A\r\u{1B}[Jone")
    }
}
