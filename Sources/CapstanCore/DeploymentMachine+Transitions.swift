import Foundation

extension DeploymentMachine {
    /// Accumulates the changes of one input, so every state write carries its event.
    struct Builder {
        var machine: DeploymentMachine
        let now: Date
        var transition = Transition()
        /// The deployment's state when the input arrived: the optimistic-concurrency check of the write.
        private let initialState: DeploymentState

        init(machine: DeploymentMachine, now: Date) {
            self.machine = machine
            self.now = now
            self.initialState = machine.deployment.state
        }

        private var deployment: Deployment { machine.deployment }
        private var stages: [StageRecord] { machine.stages }

        mutating func apply(_ input: Input) throws(Refusal) {
            let state = deployment.state
            switch input {
            case .plan:
                try require(state == .pending, "only a PENDING deployment can be planned")
                move(to: .planned, reason: nil)
            case .replan(let previous, let strategy, let pipeline):
                try require(state == .pending, "only a PENDING deployment can be planned")
                replan(previous: previous, strategy: strategy, pipeline: pipeline)
                move(to: .planned, reason: nil)
            case .start:
                try require(state == .planned, "only a PLANNED deployment can start")
                move(to: .running, reason: nil)
                runStage(nextStage(after: -1))
            case .stageFinished(let index, let outcome):
                try stageFinished(index, outcome)
            case .cancel(let rollback, let by):
                try require(!state.isFinal, "deployment is already \(state.rawValue)")
                try cancel(rollback: rollback, reason: DeploymentMachine.cancelPrefix + by)
            case .rollback(let by):
                try require(state == .running, "only a RUNNING deployment can be rolled back (it is \(state.rawValue))")
                startRollback(reason: "rolled back by \(by)", finalState: .failure)
            case .skipStage(let by):
                try require(state == .running, "only a stage of a RUNNING deployment can be skipped (it is \(state.rawValue))")
                guard let running = stages.first(where: { $0.state == .running }) else {
                    throw Refusal(message: "no stage is running")
                }
                try skip(running.index, reason: "skipped by \(by)")
            case .supersede(let newer):
                try require(state == .pending || state == .planned, "only a deployment that has not started can be superseded")
                skipRemaining(after: -1, reason: "superseded by \(newer)")
                finish(.cancelled, reason: "superseded by \(newer)")
            case .resume:
                try resume()
            case .abort(let reason):
                try require(!state.isFinal, "deployment is already \(state.rawValue)")
                abortRunning(reason: reason)
                skipRemaining(after: -1, reason: reason)
                finish(.failure, reason: reason)
            }
            if deployment.state != initialState || !transition.events.isEmpty {
                var updated = deployment
                updated.updatedAt = now
                machine.deployment = updated
                transition.changes.insert(.updateDeployment(updated, expecting: initialState), at: 0)
            }
        }

        private func require(_ condition: Bool, _ message: String) throws(Refusal) {
            if !condition { throw Refusal(message: message) }
        }

        private mutating func stageFinished(_ index: Int, _ outcome: StageOutcome) throws(Refusal) {
            try require(stages.indices.contains(index), "no stage \(index)")
            try require(stages[index].state == .running,
                        "stage \(index) is \(stages[index].state.rawValue), not RUNNING; result ignored")
            switch outcome {
            case .success:
                setStage(index, .success, reason: nil)
                if index == machine.rollbackIndex {
                    finish(machine.endAfterRollback, reason: deployment.reason)
                } else if let next = nextStage(after: index), next != machine.rollbackIndex {
                    runStage(next)
                } else {
                    setStage(machine.rollbackIndex, .skipped, reason: "nothing to roll back")
                    finish(.success, reason: nil)
                }
            case .failure(let reason):
                setStage(index, .failure, reason: reason)
                if index == machine.rollbackIndex {
                    finish(machine.endAfterRollback, reason: (deployment.reason ?? "") + "; rollback failed: \(reason)")
                    return
                }
                // ROLLBACK is not skipped when it is about to run: its events go NOT_STARTED → RUNNING.
                skipRemaining(after: index, reason: "an earlier stage failed", keepRollback: machine.autoRollback)
                let cause = "stage \(index) \(stages[index].kind.rawValue) failed: \(reason)"
                if machine.autoRollback {
                    startRollback(reason: cause, finalState: .failure)
                } else {
                    setStage(machine.rollbackIndex, .skipped, reason: "rollback.auto is off")
                    finish(.failure, reason: cause)
                }
            }
        }

        private mutating func replan(previous: CommitID?, strategy: PlannedStrategy, pipeline: [StageSpec]) {
            let records = DeploymentMachine.stageRecords(deployment.id, pipeline)
            let unchanged = previous == deployment.previousCommit && strategy == deployment.strategy
                && records.map { [$0.kind.rawValue: $0.options] } == stages.map { [$0.kind.rawValue: $0.options] }
            guard !unchanged else { return }
            machine.deployment.previousCommit = previous
            machine.deployment.strategy = strategy
            machine.stages = records
            transition.changes.append(.replaceStages(deployment.id, records))
            var data = ["strategy": strategy.rawValue, "stages": pipeline.map(\.kind.rawValue).joined(separator: ",")]
            data["previousCommit"] = previous?.hex
            transition.events.append(NewEvent(
                kind: .deploymentReplanned, at: now, app: deployment.app, deployment: deployment.id,
                message: "deployment re-planned against what is live now (\(previous?.short ?? "nothing")): "
                    + "\(strategy.rawValue), \(pipeline.map(\.kind.rawValue).joined(separator: ", "))",
                data: data))
        }

        private mutating func skip(_ index: Int, reason: String) throws(Refusal) {
            setStage(index, .skipped, reason: reason)
            transition.actions.append(.abortStage(index: index))
            if let next = nextStage(after: index), next != machine.rollbackIndex {
                runStage(next)
            } else {
                setStage(machine.rollbackIndex, .skipped, reason: "nothing to roll back")
                finish(.success, reason: nil)
            }
        }

        private mutating func cancel(rollback: Bool, reason: String) throws(Refusal) {
            if deployment.state == .rollingBack {
                try require(!rollback, "already rolling back")
                // Cancelling the rollback itself: stop it and leave things as they are.
                abortRunning(reason: reason)
                finish(.cancelled, reason: reason)
                return
            }
            abortRunning(reason: reason)
            if rollback, deployment.state == .running {
                startRollback(reason: reason, finalState: .cancelled)
            } else {
                skipRemaining(after: -1, reason: reason)
                finish(.cancelled, reason: rollback ? reason : reason + " (no rollback: variants left as they are)")
            }
        }

        private mutating func resume() throws(Refusal) {
            switch deployment.state {
            case .pending, .planned:
                return  // the executor plans or starts it as usual
            case .running, .rollingBack:
                if let running = stages.first(where: { $0.state == .running }) {
                    runStage(running.index, restart: true)
                } else if let next = nextStage(after: -1) {
                    runStage(next)
                } else {
                    throw Refusal(message: "deployment is \(deployment.state.rawValue) but has no stage left to run")
                }
            case .success, .failure, .cancelled:
                throw Refusal(message: "deployment is already \(deployment.state.rawValue)")
            }
        }

        private mutating func startRollback(reason: String, finalState: DeploymentState) {
            abortRunning(reason: reason)
            skipRemaining(after: -1, reason: reason, keepRollback: true)
            machine.endAfterRollback = finalState
            move(to: .rollingBack, reason: reason)
            runStage(machine.rollbackIndex)
        }

        /// The first NOT_STARTED stage after `index` (ROLLBACK only when it is the one left).
        private func nextStage(after index: Int) -> Int? {
            stages.first { $0.index > index && $0.state == .notStarted }?.index
        }

        private mutating func runStage(_ index: Int?, restart: Bool = false) {
            guard let index else { return }
            var stage = stages[index]
            let from = stage.state
            stage.state = .running
            stage.attempts += 1
            if stage.startedAt == nil || !restart { stage.startedAt = now }
            machine.stages[index] = stage
            transition.changes.append(.updateStage(stage))
            transition.events.append(stageEvent(stage, from: from, message: restart
                ? "stage \(index) \(stage.kind.rawValue) resumed (attempt \(stage.attempts))"
                : "stage \(index) \(stage.kind.rawValue) started"))
            transition.actions.append(.runStage(index: index, kind: stage.kind, attempt: stage.attempts))
        }

        private mutating func setStage(_ index: Int, _ state: StageState, reason: String?) {
            var stage = stages[index]
            let from = stage.state
            guard from != state else { return }
            stage.state = state
            stage.reason = reason
            if state.isFinal { stage.finishedAt = now }
            machine.stages[index] = stage
            transition.changes.append(.updateStage(stage))
            let suffix = reason.map { ": \($0)" } ?? ""
            transition.events.append(stageEvent(stage, from: from,
                                                message: "stage \(index) \(stage.kind.rawValue) \(state.rawValue)\(suffix)"))
        }

        private mutating func abortRunning(reason: String) {
            for stage in stages where stage.state == .running {
                setStage(stage.index, .cancelled, reason: reason)
                transition.actions.append(.abortStage(index: stage.index))
            }
        }

        private mutating func skipRemaining(after index: Int, reason: String, keepRollback: Bool = false) {
            for stage in stages where stage.index > index && stage.state == .notStarted {
                if keepRollback, stage.index == machine.rollbackIndex { continue }
                setStage(stage.index, .skipped, reason: reason)
            }
        }

        private mutating func finish(_ state: DeploymentState, reason: String?) {
            move(to: state, reason: reason)
            transition.actions.append(.finished(state))
        }

        private mutating func move(to state: DeploymentState, reason: String?) {
            let from = deployment.state
            machine.deployment.state = state
            machine.deployment.reason = reason
            var data = ["from": from.rawValue, "to": state.rawValue, "commit": deployment.commit.hex]
            data["reason"] = reason
            transition.events.append(NewEvent(
                kind: .deploymentStateChanged, at: now, app: deployment.app, deployment: deployment.id,
                message: "deployment \(from.rawValue) → \(state.rawValue)" + (reason.map { ": \($0)" } ?? ""), data: data))
        }

        private func stageEvent(_ stage: StageRecord, from: StageState, message: String) -> NewEvent {
            var data = ["stage": stage.kind.rawValue, "from": from.rawValue, "to": stage.state.rawValue,
                        "attempt": String(stage.attempts)]
            data["reason"] = stage.reason
            return NewEvent(kind: .stageStateChanged, at: now, app: deployment.app, deployment: deployment.id,
                            stageIndex: stage.index, message: message, data: data)
        }
    }
}
