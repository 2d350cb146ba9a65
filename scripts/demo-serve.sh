#!/usr/bin/env bash
# `make demo`, part two: a real deployment on the embedded defaults. A bare Git repository seeded
# with the hello example, `capstan serve` watching it, a push of v2, the deployment followed through
# the API until SUCCESS, and the service answering v2 through HAProxy. Stops everything it started.
set -euo pipefail
bin=${1:-.build/debug}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/capstan-serve-demo.XXXXXX")
api=127.0.0.1:$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
metrics=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
serve_pid=""

stop_everything() {
    [ -n "$serve_pid" ] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
    # Instances and HAProxy are detached from the server by design (they survive its restarts):
    # stop every process that runs from the demo's folder.
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        if readlink "$proc/cwd" 2>/dev/null | grep -q "^$work" || tr '\0' ' ' < "$proc/cmdline" 2>/dev/null | grep -q "$work"; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap stop_everything EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
git_() { git -C "$work/src" -c user.name=demo -c user.email=demo@capstan.invalid -c commit.gpgsign=false "$@"; }
state_of_latest() {
    curl -fsS "http://$api/api/v1/deployments?app=hello&limit=1" | python3 -c 'import json,sys;d=json.load(sys.stdin);print(d[0]["state"] if d else "NONE")'
}
wait_for_success() {
    local want_commit=$1
    for _ in $(seq 1 120); do
        line=$(curl -fsS "http://$api/api/v1/deployments?app=hello&limit=1" | python3 -c '
import json,sys
d=json.load(sys.stdin)
print(d[0]["commit"][:7]+" "+d[0]["state"] if d else "- NONE")')
        echo "   deployment: $line"
        case "$line" in "${want_commit:0:7} SUCCESS") return 0 ;; *" FAILURE"|*" CANCELLED") return 1 ;; esac
        sleep 1
    done
    return 1
}

step "A Git repository with the hello service (port 18080) — v1"
git init -q --bare "$work/apps.git"
mkdir -p "$work/src" && cp -R "$root/manifests/examples/hello" "$work/src/hello"
git_ init -q -b main && git_ add -A && git_ commit -q -m "hello v1" && git_ push -q "$work/apps.git" main
cat > "$work/server.yaml" <<YAML
dataDir: $work/data
listen: $api
repositories:
  - {name: apps, url: "file://$work/apps.git", branch: main, pollInterval: 2s}
targets:
  - {name: local, plugin: process, config: {metricsPort: $metrics}}
YAML
cat "$work/server.yaml"

step "capstan serve"
"$bin/capstan" serve --config "$work/server.yaml" 2> "$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 50); do curl -fsS "http://$api/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fsS "http://$api/healthz"; echo
wait_for_success "$(git_ rev-parse HEAD)"
echo "   GET http://127.0.0.1:18080/ → $(curl -fsS http://127.0.0.1:18080/)"

step "Push v2 (VERSION 2.0.0): Capstan sees it within one poll and rolls it out"
sed -i 's/VERSION: "1.0.0"/VERSION: "2.0.0"/' "$work/src/hello/service.yaml"
git_ commit -q -am "hello v2" && git_ push -q "$work/apps.git" main
wait_for_success "$(git_ rev-parse HEAD)"
echo "   GET http://127.0.0.1:18080/ → $(curl -fsS http://127.0.0.1:18080/)"

step "The events of the v2 deployment"
curl -fsS "http://$api/api/v1/events?after=0&limit=1000" | python3 -c '
import json,sys
for e in json.load(sys.stdin):
    print("  #%-3d %-24s %s" % (e["sequence"], e["kind"], e["message"]))'
step "Stopping everything the demo started"
