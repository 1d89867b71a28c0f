#!/usr/bin/env bash
# Prints the directory holding a real Kubernetes control plane (kube-apiserver,
# kube-controller-manager, kube-scheduler, etcd) and kwok (simulated nodes and kubelets), building them first
# when they are not there.
#
# The binaries are the upstream release, built from the Go module proxy: k8s.io/kubernetes is
# not `go install`-able (it replaces its k8s.io/* staging modules with local paths), so
# tools/kube-control-plane is a module that requires it at a pinned release and points each
# staging module at its published version. The build goes into a machine-level cache that every
# clone shares (the Go module and build caches are machine-level too), so it happens once per
# machine and release. A directory in KUBEBUILDER_ASSETS (envtest's convention) that already
# holds all of them (envtest ships kube-apiserver and etcd; add the others) is used as it is.
#
#   scripts/kube-control-plane.sh   # prints the directory
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module="$root/tools/kube-control-plane"
release=v1.34.4
etcd_release=v3.6.4
kwok_release=v0.8.0

say() { printf 'kube-control-plane: %s\n' "$*" >&2; }
die() { printf 'kube-control-plane: error: %s\n' "$*" >&2; exit 1; }

cache="${SCC_KUBE_ASSETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scc-responder/kubernetes-$release}"
components="kube-apiserver kube-controller-manager kube-scheduler"
complete() { for c in $components etcd; do [ -x "$cache/$c" ] || return 1; done; kwok_current; }
kwok_current() { [ -x "$cache/kwok" ] && [ "$(cat "$cache/kwok.release" 2>/dev/null)" = "$kwok_release" ]; }

holds() { for c in $components etcd kwok; do [ -x "$1/$c" ] || return 1; done; }
if [ -n "${KUBEBUILDER_ASSETS:-}" ] && holds "$KUBEBUILDER_ASSETS"; then
  printf '%s\n' "$KUBEBUILDER_ASSETS"
  exit 0
fi

if complete; then
  printf '%s\n' "$cache"
  exit 0
fi

command -v go >/dev/null || die "Go is needed once to build the control plane from the Go module proxy (or set KUBEBUILDER_ASSETS)"
started=$(date +%s)
mkdir -p "${cache%/*}"
tmp=$(mktemp -d "${cache%/*}/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if ! kwok_current; then
  say "building kwok $kwok_release"
  GOBIN="$tmp" go install -trimpath -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@$kwok_release" || die "building kwok failed"
  mkdir -p "$cache" && mv "$tmp/kwok" "$cache/kwok" && printf '%s\n' "$kwok_release" > "$cache/kwok.release"
fi
if complete; then
  say "built in $(($(date +%s) - started)) s"
  printf '%s\n' "$cache"
  exit 0
fi
say "building $components $release and etcd $etcd_release into $cache (once per machine; minutes)"
# What `kubectl version` and /version report: the release, not a development build.
version_pkg=k8s.io/component-base/version
ldflags="-s -w -X $version_pkg.gitVersion=$release -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$(echo "$release" | cut -d. -f2) -X $version_pkg.gitTreeState=clean -X $version_pkg.buildDate=1970-01-01T00:00:00Z"
(cd "$module" && go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$tmp/" $(printf 'k8s.io/kubernetes/cmd/%s ' $components)) \
  || die "building the Kubernetes control plane failed"
(cd "$module" && go build -mod=readonly -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3) || die "building etcd failed"
mkdir -p "$cache" && for c in $components etcd; do mv "$tmp/$c" "$cache/"; done
say "built in $(($(date +%s) - started)) s"
printf '%s\n' "$cache"
