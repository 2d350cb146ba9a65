import CapstanPluginKit

// The `process` platform plugin: serves the plugin protocol on stdin/stdout, logs to stderr.
PluginLog.write("process: starting")
await PluginServer(plugin: ProcessPlugin(), name: "process", version: ProcessPlugin.version).run()
PluginLog.write("process: exiting")
