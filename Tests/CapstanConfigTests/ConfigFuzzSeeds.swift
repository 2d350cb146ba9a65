/// Valid documents the config fuzzers mutate (the checkout example of manifests/examples, the server config
/// of docs/config.md); a test checks that each still decodes without a diagnostic.
enum ConfigFuzzSeeds {
    static let application = #"""
# yaml-language-server: $schema=../../../docs/schema/capstan-application.schema.json
# A canary: 10% of traffic to one new instance beside a baseline of the old commit, judged on error
# rate and latency against the baseline, then promoted. Any failure rolls back on its own.
apiVersion: capstan/v1
kind: Application
name: checkout
labels: {team: payments, env: prod}
platform: process
target: local
manifests: [service.yaml]
trigger:
  paths: ["libs/payments/**"]
  ignore: ["**/*.md"]
strategy: auto
pipeline:
  - stage: CANARY_ROLLOUT
    with: {replicas: 1}
  - stage: BASELINE_ROLLOUT
    with: {replicas: 1}
  - stage: TRAFFIC_ROUTING
    with: {primary: 80, canary: 10, baseline: 10}
  - stage: ANALYSIS
    timeout: 10m
    with:
      duration: 2m
      metrics:
        - name: error-rate
          provider: prometheus
          strategy: threshold
          interval: 10s
          query: sum(rate(haproxy_server_http_responses_total{proxy="checkout",server=~"canary.*",code="5xx"}[30s]))
          expected: {max: 0.5}
          failureLimit: 1
        - name: latency
          provider: prometheus
          strategy: canary-baseline
          interval: 10s
          minSamples: 6
          direction: increase
          critical: true
          query: avg(rate(haproxy_server_total_time_average_seconds{proxy="checkout",server=~"{{variant}}.*"}[30s]))
  - stage: PRIMARY_ROLLOUT
  - stage: TRAFFIC_ROUTING
    with: {primary: 100}
  - stage: BASELINE_CLEAN
  - stage: CANARY_CLEAN
rollback: {auto: true}
"""#

    static let minimalApplication = "apiVersion: capstan/v1\nkind: Application\nname: a\nmanifests: [s.yaml]\n"

    static let service = #"""
# yaml-language-server: $schema=../../../docs/schema/process-service.schema.json
apiVersion: capstan/v1
kind: ProcessService
name: checkout
command: ["python3", "server.py", "--port", "${PORT}"]
env: {VERSION: "2.4.0"}
replicas: 2
port: 18081
health: {http: /healthz, timeout: 10s}
"""#

    static let server = #"""
dataDir: ./.capstan
listen: 127.0.0.1:8080
driftInterval: 10s
selfHealWindow: 2m
repositories:
  - name: apps
    url: file:///srv/git/apps.git
    branch: main
    pollInterval: 30s
    webhookSecret: {secretEnv: APPS_HOOK}
  - name: infra
    url: https://git.example.com/org/infra.git
    credentials: {tokenEnv: INFRA_TOKEN, username: ci}
targets:
  - name: local
    plugin: process
    config: {metricsPort: 19100, bind: "127.0.0.1", tags: [a, 1], debug: true, nothing: null}
analysisProviders:
  - {name: prometheus, type: prometheus, url: http://127.0.0.1:9090, timeout: 10s}
  - name: smoke
    type: http
    timeout: 5s
auth: {tokensFile: tokens.jsonl, anonymousRead: true}
webhooks:
  github: {secretEnv: GITHUB_HOOK}
  generic: {insecure: true}
  maxBodyBytes: 1048576
"""#
}
