#!/usr/bin/env bash
# Prints the path of a Helm binary for the chart's tests, building it first when it is not there:
# `helm` on PATH at the pinned major, else Helm built with `go install` from the Go module proxy
# into a machine-level cache that every clone shares (once per machine and release).
#
#   scripts/helm.sh   # prints the path
set -euo pipefail
release=v4.3.2
say() { printf 'helm: %s\n' "$*" >&2; }
die() { printf 'helm: error: %s\n' "$*" >&2; exit 1; }

if [ -n "${SCC_HELM:-}" ] && [ -x "$SCC_HELM" ]; then printf '%s\n' "$SCC_HELM"; exit 0; fi
if command -v helm >/dev/null && helm version --template '{{.Version}}' 2>/dev/null | grep -q '^v4\.'; then
  command -v helm
  exit 0
fi
cache="${XDG_CACHE_HOME:-$HOME/.cache}/scc-responder/helm-$release"
if [ -x "$cache/helm" ]; then printf '%s\n' "$cache/helm"; exit 0; fi

command -v go >/dev/null || die "Go is needed once to build Helm $release from the Go module proxy (or put Helm 4 on PATH)"
started=$(date +%s)
say "building Helm $release into $cache (once per machine)"
mkdir -p "${cache%/*}"
tmp=$(mktemp -d "${cache%/*}/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "helm.sh/helm/v4/cmd/helm@$release" || die "building Helm $release failed"
mkdir -p "$cache" && mv "$tmp/helm" "$cache/helm"
say "built in $(($(date +%s) - started)) s"
printf '%s\n' "$cache/helm"
