import CapstanCore
import CapstanPluginKit
import Foundation
import Testing
@testable import capstan_plugin_process

/// The real `capstan-plugin-process` executable under PluginKit's host, as the server runs it.
@Suite(.serialized)
struct PluginHostTests {
    static let v1 = ProcessPluginFixture.commit("c")

    /// The executable built beside the test bundle (`swift build` puts every product in one folder).
    static var executable: String? {
        let candidates = [CommandLine.arguments.first, Bundle.main.executablePath].compactMap { $0 }
            .map { URL(fileURLWithPath: $0).deletingLastPathComponent() }
            + [Bundle.main.bundleURL.deletingLastPathComponent()]
        return candidates.map { $0.appendingPathComponent("capstan-plugin-process").path }
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    @Test func servicesOutliveThePluginProcessAndANewOneReportsThem() async throws {
        let executable = try #require(Self.executable, "capstan-plugin-process is not built beside the tests")
        try await ProcessPluginFixture.run { fixture in
            let initialize = fixture.initializeParams()
            let configuration = PluginHost.Configuration(
                name: "process", executable: executable, target: "local", targetConfig: initialize.config,
                dataDirectory: fixture.dataDirectory, shutdownGrace: .seconds(2))
            try fixture.checkout(Self.v1, version: "1.0.0")
            let pluginPid = try await PluginHost.withPluginHost(configuration) { host in
                let capabilities = try await host.capabilities()
                #expect(capabilities.stages == ProcessPlugin.stages && capabilities.liveState)
                #expect(Set(capabilities.stages) == Set(StageKind.allCases.filter(\.runsOnPlatform)))
                let result = try await host.executeStage(fixture.params(.sync, commit: Self.v1))
                #expect(result.status == .success, "\(result.reason ?? "")")
                return await host.processID
            }
            // The plugin is gone; what it started keeps serving.
            let plugin = try #require(pluginPid)
            var waited = 0
            while ProcessIdentity.current(plugin) != nil, waited < 40 {
                try await Task.sleep(for: .milliseconds(25))
                waited += 1
            }
            #expect(ProcessIdentity.current(plugin) == nil)
            #expect(fixture.servedVersion() == "1.0.0")

            let live = try await PluginHost.withPluginHost(configuration) { host in
                try await host.liveState(app: ProcessPluginFixture.app)
            }
            #expect(live.resources.count == 1)
            #expect(live.resources.first?.readyReplicas == 2 && live.resources.first?.health == .healthy)
            #expect(live.resources.first?.commit == Self.v1)
        }
    }
}
