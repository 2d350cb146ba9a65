import CapstanCore
import CapstanTesting
import Testing

@Suite struct PlannerTests {
    @Test(arguments: [
        (Strategy.auto, true, true, PlannedStrategy.quick),
        (.auto, false, true, .pipeline),
        (.auto, false, false, .quick),
        (.quick, false, true, .quick),
        (.pipeline, true, true, .pipeline),
    ])
    func strategy(declared: Strategy, first: Bool, hasPipeline: Bool, expected: PlannedStrategy) throws {
        let app = try AppFixtures.app("a", folder: "a", strategy: declared,
                                      pipeline: hasPipeline ? AppFixtures.canaryPipeline : [])
        #expect(Planner.strategy(for: app.spec, firstDeployment: first) == expected)
    }

    @Test func stagesFollowStrategy() throws {
        let app = try AppFixtures.app("a", folder: "a", pipeline: AppFixtures.canaryPipeline)
        #expect(Planner.stages(for: app.spec, strategy: .quick) == [.sync])
        #expect(Planner.stages(for: app.spec, strategy: .pipeline)
            == [.canaryRollout, .trafficRouting, .primaryRollout, .canaryClean])
    }

    @Test func planListsTouchedAppsSortedWithReasons() throws {
        let apps = [
            try AppFixtures.app("zeta", folder: "z", pipeline: AppFixtures.canaryPipeline),
            try AppFixtures.app("alpha", folder: "a", paths: ["shared/**"], ignore: ["**/*.md"]),
            try AppFixtures.app("idle", folder: "i"),
        ]
        let plan = Planner.plan(apps, changedPaths: ["z/main.py", "shared/lib.py", "a/notes.md"]) { _ in false }
        #expect(plan.map(\.app.spec.name) == ["alpha", "zeta"])
        #expect(plan[0].reasons == ["shared/lib.py changed (trigger path shared/**)", "ignored by trigger.ignore: a/notes.md"])
        #expect(plan[1].reasons == ["z/main.py changed"])
        #expect(plan[1].strategy == .pipeline)
    }

    @Test func newAppIsAFirstDeployment() throws {
        let app = try AppFixtures.app("new", folder: "n", pipeline: AppFixtures.canaryPipeline)
        let plan = Planner.plan([app], changedPaths: ["n/capstan.yaml", "n/service.yaml"]) { _ in true }
        #expect(plan.first?.strategy == .quick)
        #expect(plan.first?.reasons.first == "new application: n/capstan.yaml added")
    }

    @Test func longChangeListsAreCapped() throws {
        let app = try AppFixtures.app("big", folder: "b")
        let paths = (0..<25).map { "b/f\($0)" }
        let reasons = try #require(Planner.plan([app], changedPaths: paths) { _ in false }.first).reasons
        #expect(reasons.count == Planner.maxListedPaths + 1)
        #expect(reasons.last == "and 15 more changed paths")
    }

    @Test func planAllHasEveryAppAsFirstDeployment() throws {
        let apps = [try AppFixtures.app("b", folder: "b", pipeline: AppFixtures.canaryPipeline),
                    try AppFixtures.app("a", folder: "a")]
        let plan = Planner.planAll(apps)
        #expect(plan.map(\.app.spec.name) == ["a", "b"])
        #expect(plan.allSatisfy { $0.strategy == .quick })
    }
}
