import CapstanPluginKit

// The `null` platform plugin: answers the plugin protocol on stdin/stdout and does nothing.
await PluginServer(plugin: NullPlugin(), name: "null", version: NullPlugin.version).run()
