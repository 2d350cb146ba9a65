import CapstanCore
import CapstanServer
import Foundation

/// A deployment as `capstan deployment follow` shows it, kept current from its events: one row per stage
/// (state, elapsed time, weights — the timeline of `deployment get`), or one line per change.
///
/// Pure: events in, lines out; the command does the I/O.
struct FollowedDeployment {
    private(set) var id: DeploymentID
    private(set) var app: String
    private(set) var commit: CommitID
    private(set) var state: DeploymentState
    private(set) var reason: String?
    private(set) var stages: [StageView]

    /// What an event changed.
    enum Change: Equatable {
        /// Nothing that shows.
        case none
        /// Lines for the line-per-change output.
        case lines([String])
        /// The stages were planned again: read the deployment anew.
        case reload
    }

    /// Starts from `detail`. Its records and its events are read one after the other, so an event may be newer
    /// than a record: each stage (and the deployment) takes the state of its last event when that differs.
    init(_ detail: DeploymentDetailView) {
        id = detail.id
        app = detail.app
        commit = detail.commit
        state = detail.state
        reason = detail.reason
        stages = detail.stages
        var last: [Int?: EventView] = [:]
        for event in detail.events where event.kind == .stageStateChanged || event.kind == .deploymentStateChanged {
            last[event.kind == .stageStateChanged ? event.stageIndex : nil] = event
        }
        for event in last.values.sorted(by: { $0.sequence < $1.sequence }) {
            let current = event.stageIndex.flatMap { index in stages.first { $0.index == index }?.state.rawValue } ?? state.rawValue
            if event.data["to"] != current { _ = apply(event) }
        }
    }

    /// The outcome once the deployment has ended.
    var outcome: DeploymentState? { state.isFinal ? state : nil }

    /// Applies one of the deployment's events.
    mutating func apply(_ event: EventView) -> Change {
        let time = ClockText.time(event.at.date)
        switch event.kind {
        case .deploymentStateChanged:
            guard let to = event.data["to"].flatMap(DeploymentState.init(rawValue:)) else { return .none }
            state = to
            reason = event.data["reason"]
            return .lines(["\(time)  \(id): \(to.rawValue)" + (reason.map { " (\($0))" } ?? "")])
        case .stageStateChanged:
            guard let index = event.stageIndex, let at = stages.firstIndex(where: { $0.index == index }),
                  let to = event.data["to"].flatMap(StageState.init(rawValue:)) else { return .none }
            var stage = stages[at]
            stage.state = to
            stage.reason = event.data["reason"]
            stage.attempts = event.data["attempt"].flatMap(Int.init) ?? stage.attempts
            if to == .running {
                stage.startedAt = event.at
                stage.finishedAt = nil
            } else if to.isFinal, stage.startedAt != nil {
                stage.finishedAt = event.at
            }
            stages[at] = stage
            return .lines([Self.line(stage, at: time)])
        case .approvalRecorded:
            return .lines(["\(time)  \(event.message)"])
        case .deploymentReplanned:
            return .reload
        default:
            return .none
        }
    }

    /// The live view: a head line, then the stage timeline.
    func view(now: Date) -> [String] {
        let head = "\(id)  \(app)  \(commit.short)  \(state.rawValue)" + (reason.map { "  \($0)" } ?? "")
        return [head] + (stages.isEmpty ? [] : StageTimeline.lines(stages, now: now))
    }

    /// `12:00:36  stage 1 TRAFFIC_ROUTING: RUNNING  primary 90% canary 10%`; a stage that ended says how long
    /// it took, and why when it failed or was cancelled.
    static func line(_ stage: StageView, at time: String) -> String {
        var text = "\(time)  stage \(stage.index) \(stage.kind.rawValue): \(stage.state.rawValue)"
        if stage.state.isFinal, let started = stage.startedAt?.date, let finished = stage.finishedAt?.date {
            text += " after " + ClockText.elapsed(finished.timeIntervalSince(started))
        }
        let details = StageTimeline.details(stage)
        return details.isEmpty ? text : text + "  " + details
    }
}

/// Redraws a block of lines in place on a terminal: the cursor goes back up over the last drawing and
/// everything below it is cleared. Lines are cut to the terminal's width, since a wrapped line would throw
/// the count off.
struct TerminalDrawing {
    private var drawn: [String] = []
    /// The terminal's width; nil: lines are not cut.
    let columns: Int?

    init(columns: Int?) { self.columns = columns }

    /// The text that replaces the last drawing with `lines`; nil when nothing changed.
    mutating func redraw(_ lines: [String]) -> String? {
        let lines = columns.map { width in lines.map { String($0.prefix(max(1, width - 1))) } } ?? lines
        guard lines != drawn else { return nil }
        let up = drawn.isEmpty ? "" : "\u{1B}[\(drawn.count)A\r"
        drawn = lines
        return up + "\u{1B}[J" + lines.joined(separator: "\n")
    }
}
