import CapstanCore
import Foundation

extension DeploymentRunner {
    /// How often a WAIT_APPROVAL stage looks for new approvals (on the injected clock).
    static let approvalPollInterval: Duration = .seconds(1)

    /// WAIT_APPROVAL: waits until `minApprovals` distinct identities approved this stage (the controller
    /// checks each against `approvers` when it records the approval). Approvals are stored, so a stage
    /// resumed after a restart counts those given before. The stage's `timeout:` fails it.
    func waitForApproval(_ options: WaitApprovalOptions, index: Int, deployment: Deployment) async -> StageRun {
        let who = options.approvers.isEmpty ? "anyone with the approver role" : options.approvers.joined(separator: ", ")
        _ = try? await store.write([], events: [NewEvent(
            kind: .stageLog, at: now(), app: deployment.app, deployment: deployment.id, stageIndex: index,
            message: "waiting for \(options.minApprovals) approval(s) from \(who)", data: ["level": "info"])])
        while true {
            if let approvals = try? await store.approvals(of: deployment.id) {
                let approvers = Set(approvals.filter { $0.stageIndex == index }.map(\.approver))
                if approvers.count >= options.minApprovals { return .finished(.success) }
            }
            do {
                try await clock.sleep(for: Self.approvalPollInterval)
            } catch {
                return .stopped
            }
        }
    }
}
