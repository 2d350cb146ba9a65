import CapstanAnalysis
import CapstanCore
import Foundation

extension DeploymentRunner {
    /// Runs an ANALYSIS stage: the analysis runner measures and judges on the injected clock; every
    /// measurement, verdict and the final score are stored as events of the stage.
    func runAnalysis(_ options: AnalysisOptions, index: Int, deployment: Deployment) async -> StageRun {
        let target: AnalysisTarget
        do {
            target = AnalysisTarget(app: deployment.app, deployment: deployment.id.rawValue, commit: deployment.commit,
                                    previousCommit: deployment.previousCommit,
                                    previousWindowStart: try await previousWindowStart(of: deployment, index: index))
        } catch {
            return .finished(.failure(reason: "cannot read the previous deployment for the analysis: \(error)"))
        }
        let store = self.store
        let now = self.now
        let record: @Sendable (EventKind, String, [String: String]) async -> Void = { kind, message, data in
            // A lost measurement event must not decide the stage; the verdict is stored with the stage.
            _ = try? await store.write([], events: [NewEvent(kind: kind, at: now(), app: deployment.app, deployment: deployment.id,
                                                             stageIndex: index, message: message, data: data)])
        }
        let runner = AnalysisRunner(options: options, providers: analysisProviders, clock: clock, now: now)
        let outcome = await runner.run(target, approval: {
            (try? await store.approvals(of: deployment.id))?.first { $0.stageIndex == index }?.approver
        }, report: { event in
            switch event {
            case .measured(let metric, let variant, let value, let note):
                var data = ["metric": metric, "variant": variant]
                data["value"] = value.map { String($0) }
                data["note"] = note
                let shown = value.map { MetricText.number($0) } ?? "no data" + (note.map { " (\($0))" } ?? "")
                await record(.analysisMeasurement, "\(metric) \(variant.isEmpty ? "" : variant + " ")= \(shown)", data)
            case .judged(let metric, let verdict):
                await record(.analysisVerdict, "\(metric): \(verdict.classification.rawValue) — \(verdict.reason)",
                             MetricText.data(metric, verdict))
            case .note(let text):
                await record(.stageLog, text, ["level": "warning", "source": "analysis"])
            }
        })
        guard let outcome else { return .stopped }
        await record(.analysisResult, "analysis \(outcome.result) with score \(MetricText.number(outcome.score)): \(outcome.reason)",
                     ["result": outcome.result, "score": String(outcome.score), "reason": outcome.reason])
        return outcome.passed
            ? .finished(.success)
            : .finished(.failure(reason: "analysis \(outcome.result) (score \(MetricText.number(outcome.score))): \(outcome.reason)"))
    }

    /// When this ANALYSIS stage started in the app's last successful deployment (same index, else its
    /// first ANALYSIS), for `previous` comparisons.
    private func previousWindowStart(of deployment: Deployment, index: Int) async throws -> Date? {
        let succeeded = try await store.deployments(app: deployment.app, state: .success, limit: 20)
        guard let last = succeeded.filter({ $0.id != deployment.id }).max(by: { $0.createdAt < $1.createdAt }) else { return nil }
        let stages = try await store.stages(of: last.id).filter { $0.kind == .analysis && $0.startedAt != nil }
        return (stages.first { $0.index == index } ?? stages.first)?.startedAt
    }
}

/// How analysis numbers read in events.
enum MetricText {
    static func number(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4g", value) : "\(value)"
    }

    static func data(_ metric: String, _ verdict: MetricVerdict) -> [String: String] {
        var data = ["metric": metric, "classification": verdict.classification.rawValue, "critical": String(verdict.critical),
                    "experimentSamples": String(verdict.experimentSamples), "controlSamples": String(verdict.controlSamples),
                    "failures": String(verdict.failures), "reason": verdict.reason]
        if let comparison = verdict.comparison {
            data["pValue"] = comparison.pValue.map { String($0) }
            data["estimate"] = comparison.estimate.map { String($0) }
            data["lower"] = comparison.lower.map { String($0) }
            data["upper"] = comparison.upper.map { String($0) }
            data["effectSize"] = comparison.effectSize.map { String($0) }
        }
        return data
    }
}
