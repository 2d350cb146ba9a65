#!/usr/bin/env python3
"""echo: a complete Capstan platform plugin in Python, standard library only.

It deploys nothing real: it remembers which stages it ran in its data directory and reports
each application whose SYNC or PRIMARY_ROLLOUT it ran as one healthy resource. Stage options
make it misbehave on demand, for tests of the host:
  {"fail": "why"}   answer a FAILURE result with that reason
  {"error": "why"}  answer JSON-RPC error -32000 (stage failed)
  {"crash": true}   write to stderr and exit 1 in the middle of the stage
  {"hang": true}    never answer
  {"noise": N}      first print a stray non-JSON line and a line of N bytes to stdout
  {"deep": N}       first print a JSON line nested N levels deep to stdout
Target config: {"reportVersion": "2.0"} answers initialize with that protocol version;
{"stubborn": true} ignores shutdown, stdin EOF and SIGTERM (only SIGKILL stops it).
See docs/plugins.md for the protocol.
"""
import json
import os
import signal
import sys
import time
from datetime import datetime, timezone

PLATFORM_STAGES = ["SYNC", "CANARY_ROLLOUT", "BASELINE_ROLLOUT", "PRIMARY_ROLLOUT", "TRAFFIC_ROUTING",
                   "CANARY_CLEAN", "BASELINE_CLEAN", "ROLLBACK"]


class RPCError(Exception):
    def __init__(self, code, message):
        super().__init__(message)
        self.code, self.message = code, message


def log(message):
    # stderr is the plugin's log: the host files every line under the plugin's name.
    print(f"echo: {message}", file=sys.stderr, flush=True)


def send(message):
    # One message per line, flushed at once: the host waits for the newline.
    sys.stdout.write(json.dumps(message, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def require(params, key, kind):
    value = params.get(key)
    if not isinstance(value, kind):
        raise RPCError(-32602, f"params.{key} is missing or not a {kind.__name__}")
    return value


class Echo:
    def __init__(self):
        self.config = None
        self.data_dir = None

    def initialize(self, params):
        version = require(params, "protocolVersion", str)
        if version.split(".")[0] != "1":
            raise RPCError(-32002, f"echo speaks protocol 1.x, not {version}")
        target = require(params, "target", str)
        self.config = params.get("config") or {}
        self.data_dir = require(params, "dataDirectory", str)
        if self.config.get("stubborn"):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
        log(f"initialized for target {target}")
        return {"protocolVersion": self.config.get("reportVersion", "1.0"), "name": "echo", "version": "0.1.0"}

    def capabilities(self, params):
        return {"stages": PLATFORM_STAGES, "liveState": True}

    def live_state(self, params):
        app = require(params, "app", str)
        deployed = self.load().get("apps", {}).get(app)
        if deployed is None:
            return {"app": app, "resources": []}
        return {"app": app, "resources": [{
            "kind": "EchoService", "name": app, "variant": "primary", "commit": deployed,
            "replicas": 1, "readyReplicas": 1, "ports": [], "health": "healthy",
            "details": "echo keeps nothing running"}]}

    def execute_stage(self, params):
        deployment = require(params, "deploymentId", str)
        index = require(params, "stageIndex", int)
        stage = require(params, "stage", str)
        app = require(params, "app", str)
        commit = require(params, "commit", str)
        options = params.get("options") or {}
        state = self.load()
        key = f"{deployment}/{index}"
        # Idempotency: a stage that already succeeded is reported again, not redone.
        if key in state["stages"]:
            return {"status": "success", "reason": f"already done by attempt {state['stages'][key]}"}
        if options.get("crash"):
            log(f"crashing on demand during {stage}")
            log("last words")
            sys.exit(1)
        if options.get("noise"):
            print("debug: a stray print", flush=True)
            send({"padding": "x" * options["noise"]})
        if options.get("deep"):
            sys.stdout.write("[" * options["deep"] + "]" * options["deep"] + "\n")
            sys.stdout.flush()
        if options.get("hang"):
            log(f"hanging on demand during {stage}")
            time.sleep(3600)
        send({"jsonrpc": "2.0", "method": "log", "params": {
            "deploymentId": deployment, "stageIndex": index,
            "line": {"time": now(), "level": "info", "message": f"{stage} {app} at {commit[:7]}"}}})
        if "fail" in options:
            return {"status": "failure", "reason": options["fail"],
                    "logs": [{"time": now(), "level": "error", "message": "failing on demand"}]}
        if "error" in options:
            raise RPCError(-32000, options["error"])
        state["stages"][key] = params.get("attempt", 1)
        if stage in ("SYNC", "PRIMARY_ROLLOUT"):
            state["apps"][app] = commit
        self.save(state)
        manifests = sorted(params.get("manifests", {}))
        return {"status": "success", "reason": f"{stage} done",
                "logs": [{"time": now(), "message": f"manifests: {', '.join(manifests) or 'none'}"}]}

    def load(self):
        try:
            with open(os.path.join(self.data_dir, "echo-state.json")) as file:
                return json.load(file)
        except FileNotFoundError:
            return {"stages": {}, "apps": {}}

    def save(self, state):
        # Write-then-rename: a crash never leaves a half-written state file behind.
        path = os.path.join(self.data_dir, "echo-state.json")
        with open(path + ".tmp", "w") as file:
            json.dump(state, file)
        os.replace(path + ".tmp", path)


def handle(echo, line):
    """Returns the response to write (None for a notification) and the method called."""
    try:
        message = json.loads(line)
    except ValueError:
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "not JSON"}}, None
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0" or not isinstance(message.get("method"), str):
        return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "not a JSON-RPC 2.0 request"}}, None
    method, request_id = message["method"], message.get("id")
    methods = {"initialize": echo.initialize, "capabilities": echo.capabilities,
               "liveState": echo.live_state, "executeStage": echo.execute_stage}
    try:
        if method == "shutdown":
            result = {}
        elif method not in methods:
            raise RPCError(-32601, f"echo has no method {method}")
        elif method != "initialize" and echo.config is None:
            raise RPCError(-32001, "initialize first")
        else:
            result = methods[method](message.get("params") or {})
        response = {"jsonrpc": "2.0", "id": request_id, "result": result}
    except RPCError as error:
        response = {"jsonrpc": "2.0", "id": request_id, "error": {"code": error.code, "message": error.message}}
    except Exception as error:  # a bug in the plugin: say so, keep serving
        response = {"jsonrpc": "2.0", "id": request_id, "error": {"code": -32603, "message": repr(error)}}
    return (None if request_id is None else response), method


def main():
    echo = Echo()
    log(f"started, pid {os.getpid()}")
    while True:
        line = sys.stdin.readline()
        if not line:
            break  # EOF: the host is gone or wants us gone
        if not line.strip():
            continue
        response, method = handle(echo, line)
        if response is not None:
            send(response)
        if method == "shutdown" and not (echo.config or {}).get("stubborn"):
            log("shutting down")
            return
    while (echo.config or {}).get("stubborn"):
        time.sleep(1)
    log("stdin closed, exiting")


if __name__ == "__main__":
    main()
