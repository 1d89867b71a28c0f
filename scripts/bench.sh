#!/usr/bin/env bash
# npm run bench: build, bring up a throwaway PostgreSQL for the case store (the production
# store; the embedded one serves one process), then the alert storm against its floor.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/toolchain.sh tsc -p tsconfig.build.json
if [ -z "${DATABASE_URL:-}" ]; then
  export SCC_TEST_PG_PORT=${SCC_BENCH_PG_PORT:-54331}
  DATABASE_URL=$(bash scripts/postgres.sh start)
  export DATABASE_URL
  trap 'bash scripts/postgres.sh stop' EXIT
fi
bash scripts/toolchain.sh node dist/bench/main.js "$@"
