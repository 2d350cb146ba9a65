#!/usr/bin/env bash
# The demo on embedded defaults: validate the examples, then plan real commits of a scratch Git repository.
# (Later issues turn this into a real deployment on the process platform.)
set -euo pipefail
capstan=${1:-.build/debug/capstan}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/capstan-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
git_() { git -C "$work/repo" -c user.name=demo -c user.email=demo@capstan.invalid -c commit.gpgsign=false "$@"; }

step "capstan validate manifests/examples"
"$capstan" validate "$root/manifests/examples"

step "A monorepo with the three examples (hello: quick sync, checkout: canary + analysis, storefront: blue-green + approval)"
mkdir -p "$work/repo"
cp -R "$root/manifests/examples/." "$work/repo/"
git_ init -q -b main
git_ add -A && git_ commit -q -m "v1: three applications"
git_ tag v1
"$capstan" plan --repo "$work/repo" --to v1

step "v2 touches the payments library (a trigger path of checkout), hello's README (ignored) and storefront's manifest"
echo 'RATES = {"EUR": 1.0, "USD": 1.08}' > "$work/repo/libs/payments/rates.py"
echo "More words." >> "$work/repo/hello/README.md"
sed -i 's/VERSION: "5.1.0"/VERSION: "5.2.0"/' "$work/repo/storefront/service.yaml"
git_ commit -q -am "v2: payments rates, docs, storefront 5.2.0"
"$capstan" plan --repo "$work/repo" --from v1 --to main

step "The same plan as JSON, the form a CI job reads (from a git:// or https:// remote it works the same way)"
"$capstan" plan --repo "file://$work/repo" --from v1 --to main --output json --cache-dir "$work/mirrors"

step "A broken config is reported with file:line:col and field, every error at once"
mkdir -p "$work/broken/app"
printf 'apiVersion: capstan/v1\nkind: Application\nname: Broken_App\nmanifests: [service.yaml]\nstrategy: canary\npipeline:\n  - stage: WAIT\n    with: {duration: banana}\n' > "$work/broken/app/capstan.yaml"
"$capstan" validate "$work/broken" || echo "(exit $? as expected)"
