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
echo '== tests' && run jest --ci "$@"
