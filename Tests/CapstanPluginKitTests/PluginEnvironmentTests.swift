import CapstanPluginKit
import Testing

/// A plugin is a program someone else may have written: it gets what it needs to run, not the server's secrets.
@Suite struct PluginEnvironmentTests {
    @Test func aPluginInheritsOnlyPathUserLocaleAndTemp() {
        let server = ["PATH": "/usr/bin", "HOME": "/home/capstan", "LANG": "C.UTF-8", "TMPDIR": "/tmp",
                      "GITHUB_WEBHOOK_SECRET": "s3cret", "GIT_TOKEN": "ghp_x", "CAPSTAN_TOKEN": "capstan_y",
                      "AWS_SECRET_ACCESS_KEY": "z"]
        #expect(PluginHost.baseEnvironment(from: server)
            == ["PATH": "/usr/bin", "HOME": "/home/capstan", "LANG": "C.UTF-8", "TMPDIR": "/tmp"])
    }
}
