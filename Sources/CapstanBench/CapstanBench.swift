import Foundation

/// `capstan-bench [--output FILE] [--iterations N] [--warmup N] [--filter TEXT]`
@main
struct CapstanBench {
    /// Every scenario, in the order they run; add new ones here.
    static func scenarios() -> [any Scenario] {
        [ChangedPathsScenario(), EventAppendScenario.onePerWrite, EventAppendScenario.batched, StageOverheadScenario(),
         WebhookRouteScenario(), MonorepoScenario(), StartupScenario(), PollScenario(), DriftScenario()]
    }

    static func main() async {
        do {
            let options = try Options(CommandLine.arguments.dropFirst())
            try await run(options)
        } catch {
            FileHandle.standardError.write(Data("capstan-bench: \(error)\n".utf8))
            exit(1)
        }
    }

    static func run(_ options: Options) async throws {
        var results: [Report.Scenario] = []
        for var scenario in scenarios() where options.filter.map({ scenario.name.contains($0) }) ?? true {
            print("preparing: \(scenario.name)")
            let iterations = options.iterations ?? scenario.iterations
            let ours: Timing
            let baseline: Timing
            do {
                try await scenario.prepare()
                ours = Timing(try await scenario.samples(.ours, warmup: options.warmup, iterations: iterations))
                baseline = Timing(try await scenario.samples(.baseline, warmup: options.warmup, iterations: iterations))
            } catch {
                await scenario.tearDown()
                throw error
            }
            let measured = scenario.measuredThroughput
            let notes = scenario.notes
            await scenario.tearDown()
            results.append(Report.Scenario(
                name: scenario.name, ours: ours, baseline: baseline, goal: scenario.goal, items: scenario.itemsPerOp,
                measured: measured, notes: notes))
        }
        let report = Report(machine: .current(), scenarios: results)
        print(report.table())
        if let output = options.output {
            try report.write(to: output)
            print("wrote \(output.path)")
        }
    }
}

/// Command-line options, parsed by hand (the bench takes no ArgumentParser dependency).
struct Options {
    var output: URL?
    /// Nil: each scenario's own count (200 for most).
    var iterations: Int?
    var warmup = 20
    var filter: String?

    init<Arguments: Collection<String>>(_ arguments: Arguments) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let value = rest.popFirst() else { throw BenchError("\(flag) needs a value") }
            return value
        }
        func count(_ flag: String) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), number > 0 else { throw BenchError("\(flag) needs a positive number, not \(text)") }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--output", "-o": output = URL(fileURLWithPath: try value(flag))
            case "--iterations", "-n": iterations = try count(flag)
            case "--warmup": warmup = try count(flag)
            case "--filter": filter = try value(flag)
            case "--help", "-h":
                print("usage: capstan-bench [--output FILE] [--iterations N] [--warmup N] [--filter TEXT]")
                print("  --iterations N  timed runs of each side (default: the scenario's own, 200 for most)")
                print("  --warmup N      untimed runs before them (default: 20)")
                print("  --filter TEXT   only the scenarios whose name contains TEXT")
                exit(0)
            default: throw BenchError("unknown argument \(flag); see --help")
            }
        }
    }
}
