import CapstanTesting
import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Traffic and commands for progressive-delivery tests: who answers, a load that counts failures,
/// and the write API.
extension ServeFixture {
    /// Rewrites `app`'s capstan.yaml with `body` after the header (strategy, pipeline, …).
    func configure(_ app: String, _ body: String) throws {
        try work.write("\(app)/capstan.yaml",
                       "apiVersion: capstan/v1\nkind: Application\nname: \(app)\nmanifests: [service.yaml]\n\(body)")
    }

    /// One request through HAProxy: "variant version" (e.g. "canary 2.0.0"), or what went wrong.
    func answer(_ app: String) async -> Result<String, ProbeFailure> {
        let url = URL(string: "http://127.0.0.1:\(ports[app]!)/")!
        do {
            let (data, response) = try await URLSession.shared.data(from: url)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200, let body = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let version = body["version"] as? String, let variant = body["variant"] as? String else {
                return .failure(ProbeFailure(description: "HTTP \(status): \(String(decoding: data.prefix(200), as: UTF8.self))"))
            }
            return .success("\(variant) \(version)")
        } catch {
            return .failure(ProbeFailure(description: "\(error)"))
        }
    }

    /// `count` requests, `concurrency` at a time: how many each "variant version" answered, and the failures.
    func sample(_ app: String, count: Int = 1_000, concurrency: Int = 8) async -> (answers: [String: Int], failures: [String]) {
        await withTaskGroup(of: ([String: Int], [String]).self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var answers: [String: Int] = [:], failures: [String] = []
                    for _ in stride(from: worker, to: count, by: concurrency) {
                        switch await self.answer(app) {
                        case .success(let who): answers[who, default: 0] += 1
                        case .failure(let why): failures.append(why.description)
                        }
                    }
                    return (answers, failures)
                }
            }
            var answers: [String: Int] = [:], failures: [String] = []
            for await (some, failed) in group {
                answers.merge(some, uniquingKeysWith: +)
                failures += failed
            }
            return (answers, failures)
        }
    }

    /// Starts a continuous load through HAProxy (a few concurrent loops); `stop()` ends it and reports.
    func load(_ app: String, loops: Int = 4) -> Load {
        let load = Load()
        for _ in 0..<loops {
            load.tasks.withLock { $0.append(Task {
                // Stopped by a flag, never by cancelling: cancelling an in-flight URLSession request can
                // deadlock FoundationNetworking on Linux.
                while !load.stopped.withLock({ $0 }) {
                    switch await self.answer(app) {
                    case .success(let who): load.answers.withLock { $0[who, default: 0] += 1 }
                    case .failure(let why): load.failures.withLock { $0.append("\(Date()): \(why)") }
                    }
                    try? await Task.sleep(for: .milliseconds(5))
                }
            }) }
        }
        return load
    }

    final class Load: Sendable {
        let stopped = Mutex(false)
        let answers = Mutex<[String: Int]>([:])
        let failures = Mutex<[String]>([])
        let tasks = Mutex<[Task<Void, Never>]>([])

        /// Stops the load and returns what it saw.
        func stop() async -> (answers: [String: Int], failures: [String]) {
            stopped.withLock { $0 = true }
            for task in tasks.withLock({ $0 }) { await task.value }
            return (answers.withLock { $0 }, failures.withLock { $0 })
        }
    }

    /// POST on the API with a JSON body: the status and the decoded answer.
    func post(_ path: String, _ body: String = "{}") async -> (status: Int, body: [String: Any]?) {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(apiPort)\(path)")!)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body.utf8)
        guard let (data, response) = try? await URLSession.shared.data(for: request) else { return (0, nil) }
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, try? JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The newest deployment of `app` at `commit`, in detail (with its stages).
    func deployment(_ app: String, at commit: String) async -> [String: Any]? {
        guard let summary = (await deployments(app)).first(where: { $0["commit"] as? String == commit }),
              let id = summary["id"] as? String else { return nil }
        return await api("/api/v1/deployments/\(id)") as? [String: Any]
    }

    /// The state of stage `index` of `deployment`.
    static func stageState(_ deployment: [String: Any]?, _ index: Int) -> String? {
        ((deployment?["stages"] as? [[String: Any]])?.first { $0["index"] as? Int == index })?["state"] as? String
    }

    /// Waits until the newest deployment of `app` at `commit` has stage `index` in `state`; returns the deployment.
    func waitForStage(_ app: String, at commit: String, _ index: Int, _ state: String = "RUNNING",
                      seconds: Double = 60) async -> [String: Any]? {
        var found: [String: Any]?
        _ = await eventually(seconds, every: .milliseconds(20)) {
            found = await deployment(app, at: commit)
            return Self.stageState(found, index) == state
        }
        return Self.stageState(found, index) == state ? found : nil
    }

    /// Waits until the newest deployment of `app` at `commit` ends; returns it.
    func waitForEnd(_ app: String, at commit: String, seconds: Double = 90) async -> [String: Any]? {
        var found: [String: Any]?
        _ = await eventually(seconds) {
            found = await deployment(app, at: commit)
            return ["SUCCESS", "FAILURE", "CANCELLED"].contains(found?["state"] as? String ?? "")
        }
        return found
    }

    /// "variant version" of every running instance of `app`, sorted.
    func running(_ app: String) -> [String] {
        instances(of: app).map { pid in
            let environ = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))) ?? Data()
            let entries = String(decoding: environ, as: UTF8.self).split(separator: "\0")
            let variant = entries.first { $0.hasPrefix("CAPSTAN_VARIANT=") }.map { String($0.dropFirst(16)) } ?? "?"
            return "\(variant) \(version(of: pid))"
        }.sorted()
    }
}
