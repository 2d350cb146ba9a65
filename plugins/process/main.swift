import CapstanPluginKit

// The `process` platform plugin: serves the plugin protocol on stdin/stdout, logs to stderr, and between
// stages starts HAProxy again if it dies.
PluginLog.write("process: starting")
let plugin = ProcessPlugin()
await withTaskGroup(of: Void.self) { group in
    group.addTask { await plugin.superviseHAProxy(every: .seconds(1)) }
    await PluginServer(plugin: plugin, name: "process", version: ProcessPlugin.version).run()
    group.cancelAll()
}
PluginLog.write("process: exiting")
