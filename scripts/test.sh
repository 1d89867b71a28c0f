#!/usr/bin/env bash
# The whole check: types, lint, then jest (which starts one real Temporal dev server and builds
# the workflow bundle once, as a guard that workflow code stays sandbox-safe).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/toolchain.sh true
run() { bash scripts/toolchain.sh "$@"; }
echo '== typecheck' && run tsc -p tsconfig.json --noEmit
echo '== lint' && run eslint --max-warnings=0 .
# The console's browser test drives Debian's Chromium (playwright-core downloads nothing).
if [ -z "${CHROMIUM_PATH:-}" ] && [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo '== installing Debian chromium for the console test'
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
    || { echo 'error: Debian chromium could not be installed for the console browser test (or set CHROMIUM_PATH)' >&2; exit 1; }
fi
# A real Kubernetes control plane for test/kube: built from the Go module proxy once per machine
# (minutes the first time, then found in the machine-level cache at once).
echo '== kubernetes control plane'
started=$(date +%s)
SCC_KUBE_ASSETS=$(bash scripts/kube-control-plane.sh) || { echo 'error: the Kubernetes control plane for test/kube could not be built (scripts/kube-control-plane.sh)' >&2; exit 1; }
export SCC_KUBE_ASSETS
echo "control plane in $SCC_KUBE_ASSETS ($(($(date +%s) - started)) s)"
# Helm for the chart's tests (helm lint, helm template), built the same way once per machine.
echo '== helm'
SCC_HELM=$(bash scripts/helm.sh) || { echo 'error: Helm for the chart tests could not be built (scripts/helm.sh)' >&2; exit 1; }
export SCC_HELM
echo "helm at $SCC_HELM"
echo '== tests'
# The case store is tested against a real PostgreSQL as well as the embedded one. In CI a
# missing server is a failure; elsewhere the tests say they ran against the embedded one only.
if [ -z "${TEST_DATABASE_URL:-}" ]; then
  if url=$(bash scripts/postgres.sh start); then
    export TEST_DATABASE_URL=$url
    trap 'bash scripts/postgres.sh stop' EXIT
  elif [ "${CI:-}" = true ]; then
    echo 'error: CI needs PostgreSQL for the case store tests, and it could not be started' >&2
    exit 1
  fi
fi
# @kubernetes/client-node 2.x is ESM-only: jest loads it through Node's require(esm), which it
# enables only with VM modules on (Node >= 24.9). NODE_OPTIONS reaches jest's workers too.
export NODE_OPTIONS="--experimental-vm-modules --disable-warning=ExperimentalWarning ${NODE_OPTIONS:-}"
results="$root/.tools/jest-results.json"
rm -f "$results"
status=0
run jest --ci --json --outputFile="$results" "$@" || status=$?
# A plain closing line that any CI reader understands, whatever jest's own summary looks like.
if [ -f "$results" ]; then
  run node -e 'const r = require(process.argv[1]); console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results"
fi
exit "$status"
