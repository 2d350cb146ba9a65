#!/usr/bin/env bash
# `make demo`, part two: a real progressive delivery on the embedded defaults. A real Prometheus
# scrapes HAProxy's exporter; `capstan serve` watches a bare Git repository; a load generator sends
# requests through the frontend the whole time. v1 goes live by quick sync; a good v2 runs a canary
# beside a baseline, is judged by the analysis and promoted; a bad v3 (30% 5xx) is judged, rolled
# back on its own and gets no more traffic. Every step is narrated. Stops everything it started.
set -euo pipefail
bin=${1:-.build/debug}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/capstan-serve-demo.XXXXXX")
free_port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
api=127.0.0.1:$(free_port)
metrics=$(free_port)
prom_port=$(free_port)
app_port=$(free_port)
serve_pid="" prom_pid="" load_pid=""

stop_everything() {
    for pid in "$load_pid" "$serve_pid" "$prom_pid"; do
        [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    done
    # Instances and HAProxy are detached from the server by design (they survive its restarts):
    # stop every process that runs from the demo's folder.
    for proc in /proc/[0-9]*; do
        pid=${proc#/proc/}
        if readlink "$proc/cwd" 2>/dev/null | grep -q "^$work" || { tr '\0' ' ' < "$proc/cmdline"; } 2>/dev/null | grep -q "$work"; then
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$work"
}
trap stop_everything EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
git_() { git -C "$work/src" -c user.name=demo -c user.email=demo@capstan.invalid -c commit.gpgsign=false "$@"; }

# Follows the newest deployment of web at $1 until it ends, printing each stage as it changes and the
# analysis verdicts; returns 0 on SUCCESS.
follow() {
    python3 - "$api" "$1" <<'PY'
import json, sys, time, urllib.request
api, commit = sys.argv[1], sys.argv[2]
def get(path):
    with urllib.request.urlopen(f"http://{api}{path}", timeout=5) as r:
        return json.load(r)
seen, verdicts = {}, set()
for _ in range(600):
    found = [d for d in get("/api/v1/deployments?app=web&limit=5") if d["commit"] == commit]
    if found:
        d = get(f"/api/v1/deployments/{found[0]['id']}")
        for s in d["stages"]:
            key = (s["index"], s["state"])
            if s["state"] != "NOT_STARTED" and seen.get(s["index"]) != s["state"]:
                seen[s["index"]] = s["state"]
                opts = s.get("options") or {}
                extra = ""
                if s["kind"] == "TRAFFIC_ROUTING":
                    extra = "  " + " ".join(f"{k} {v}%" for k, v in opts.items() if v)
                print(f"   stage {s['index']} {s['kind']:<16} {s['state']}{extra}" + (f" — {s['reason']}" if s.get("reason") and s["state"] != "SKIPPED" else ""))
            for m in (s.get("analysis") or {}).get("metrics", []):
                key = (m["name"], m["classification"], m["experimentSamples"])
                if key not in verdicts and m["classification"] != "Nodata":
                    verdicts.add(key)
                    est = "" if m.get("estimate") is None else f", shift {m['estimate']:+.3f} in [{m['lower']:+.3f}, {m['upper']:+.3f}], p={m['pValue']:.3g}"
                    print(f"      {m['name']}: {m['classification']} on {m['experimentSamples']}+{m['controlSamples']} samples{est}")
        if d["state"] in ("SUCCESS", "FAILURE", "CANCELLED"):
            print(f"   deployment {d['id']}: {d['state']}" + (f" — {d['reason']}" if d.get("reason") else ""))
            sys.exit(0 if d["state"] == "SUCCESS" else 1)
    time.sleep(0.5)
sys.exit(2)
PY
}

who_answers() {
    python3 - "$app_port" <<'PY'
import collections, json, sys, urllib.request, urllib.error
seen = collections.Counter()
for _ in range(200):
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5) as r:
            b = json.load(r); seen[f"{b['variant']} {b['version']}"] += 1
    except urllib.error.HTTPError as e:
        seen[f"HTTP {e.code}"] += 1
print("   200 requests through HAProxy: " + ", ".join(f"{n}× {k}" for k, n in seen.most_common()))
PY
}

step "Prometheus on 127.0.0.1:$prom_port, scraping HAProxy's exporter (127.0.0.1:$metrics) every second"
mkdir -p "$work/prometheus"
cat > "$work/prometheus/prometheus.yml" <<YAML
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: haproxy
    static_configs: [{targets: ['127.0.0.1:$metrics']}]
YAML
prometheus --config.file="$work/prometheus/prometheus.yml" --storage.tsdb.path="$work/prometheus/data" \
    --web.listen-address="127.0.0.1:$prom_port" > "$work/prometheus/log" 2>&1 &
prom_pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$prom_port/-/ready" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS "http://127.0.0.1:$prom_port/-/ready"

step "A Git repository with the web service — v1 — and its pipeline: canary + baseline, analysis, promotion"
git init -q --bare "$work/apps.git"
mkdir -p "$work/src/web"
cp "$root/manifests/examples/hello/server.py" "$work/src/web/"
ratio='sum(rate(haproxy_server_http_responses_total{proxy="be_{{app}}_web",server=~"{{variant}}-.*",code="5xx"}[5s])) / sum(rate(haproxy_server_http_responses_total{proxy="be_{{app}}_web",server=~"{{variant}}-.*"}[5s]))'
cat > "$work/src/web/capstan.yaml" <<YAML
apiVersion: capstan/v1
kind: Application
name: web
manifests: [service.yaml]
pipeline:                       # from the second deployment on; shortened for the demo
  - stage: CANARY_ROLLOUT
    with: {replicas: 1}
  - stage: BASELINE_ROLLOUT
    with: {replicas: 1}
  - stage: TRAFFIC_ROUTING
    with: {primary: 50, canary: 25, baseline: 25}
  - stage: ANALYSIS
    with:
      duration: 16s
      metrics:
        - name: error-ratio     # 5xx share of the canary vs the baseline: Mann-Whitney + Hodges-Lehmann
          provider: prometheus
          strategy: canary-baseline
          interval: 2s
          initialDelay: 4s
          minSamples: 4
          direction: increase
          query: '$ratio'
  - stage: PRIMARY_ROLLOUT
  - stage: TRAFFIC_ROUTING
    with: {primary: 100}
  - stage: BASELINE_CLEAN
  - stage: CANARY_CLEAN
YAML
service() {
    cat > "$work/src/web/service.yaml" <<YAML
apiVersion: capstan/v1
kind: ProcessService
name: web
command: ["python3", "server.py", "--port", "\${PORT}"]
env: {VERSION: "$1", ERROR_RATE: "$2"}
replicas: 2
port: $app_port
health: {http: /healthz, timeout: 10s}
YAML
}
service 1.0.0 0
sed 's/^/   /' "$work/src/web/capstan.yaml"
git_ init -q -b main && git_ add -A && git_ commit -q -m "web v1" && git_ push -q "$work/apps.git" main
cat > "$work/server.yaml" <<YAML
dataDir: $work/data
listen: $api
repositories:
  - {name: apps, url: "file://$work/apps.git", branch: main, pollInterval: 1s}
targets:
  - {name: local, plugin: process, config: {metricsPort: $metrics}}
analysisProviders:
  - {name: prometheus, type: prometheus, url: "http://127.0.0.1:$prom_port", timeout: 2s}
YAML

step "capstan serve: v1 goes live by quick sync (a first deployment)"
"$bin/capstan" serve --config "$work/server.yaml" 2> "$work/serve.log" &
serve_pid=$!
for _ in $(seq 1 50); do curl -fsS "http://$api/healthz" >/dev/null 2>&1 && break; sleep 0.2; done
follow "$(git_ rev-parse HEAD)"
who_answers

step "A load generator: requests through HAProxy (127.0.0.1:$app_port) every few milliseconds, all demo long"
python3 - "$app_port" > "$work/load.log" 2>&1 <<'PY' &
import sys, time, urllib.request, urllib.error
while True:
    try: urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5).read()
    except Exception: pass
    time.sleep(0.003)
PY
load_pid=$!

step "Push a good v2: canary and baseline side by side, judged on their 5xx ratio, then promoted"
service 2.0.0 0
git_ commit -q -am "web v2" && git_ push -q "$work/apps.git" main
follow "$(git_ rev-parse HEAD)"
who_answers

step "Push a bad v3 that answers 30% of requests with 5xx: the analysis catches it and rolls back on its own"
service 3.0.0 0.3
git_ commit -q -am "web v3 (broken)" && git_ push -q "$work/apps.git" main
if follow "$(git_ rev-parse HEAD)"; then echo "   unexpected: v3 was promoted"; exit 1; fi
who_answers

step "The timeline of the v3 deployment, as capstan shows it"
v3=$(curl -fsS "http://$api/api/v1/deployments?app=web&limit=1" | python3 -c 'import json,sys;print(json.load(sys.stdin)[0]["id"])')
"$bin/capstan" deployment get "$v3" --server "http://$api" || true

step "Stopping everything the demo started"
