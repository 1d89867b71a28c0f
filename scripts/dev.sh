#!/usr/bin/env bash
# The main job on its embedded default: the whole stack (Temporal dev server, lab, case store,
# worker) in .data/, with the sample findings ingested. Ctrl-C stops it; running it again resumes.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bash scripts/toolchain.sh tsc -p tsconfig.build.json
exec bash scripts/toolchain.sh node bin/scc-responder.js up "$@"
