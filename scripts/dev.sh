#!/usr/bin/env bash
# The main job on its embedded default: check the bundled sample findings and print them.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/toolchain.sh tsc -p tsconfig.build.json
exec bash scripts/toolchain.sh node bin/scc-responder.js finding check samples/findings/*.json --format text "$@"
