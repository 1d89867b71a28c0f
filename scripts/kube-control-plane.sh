#!/usr/bin/env bash
# Prints the directory holding a real Kubernetes control plane (kube-apiserver,
# kube-controller-manager, etcd), building it first when it is not there.
#
# The binaries are the upstream release, built from the Go module proxy: k8s.io/kubernetes is
# not `go install`-able (it replaces its k8s.io/* staging modules with local paths), so
# tools/kube-control-plane is a module that requires it at a pinned release and points each
# staging module at its published version. The build goes into a machine-level cache that every
# clone shares (the Go module and build caches are machine-level too), so it happens once per
# machine and release. A directory in KUBEBUILDER_ASSETS (envtest's convention) that already
# holds kube-apiserver and etcd is used as it is.
#
#   scripts/kube-control-plane.sh   # prints the directory
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
module="$root/tools/kube-control-plane"
release=v1.34.4
etcd_release=v3.6.4

say() { printf 'kube-control-plane: %s\n' "$*" >&2; }
die() { printf 'kube-control-plane: error: %s\n' "$*" >&2; exit 1; }

if [ -n "${KUBEBUILDER_ASSETS:-}" ] && [ -x "$KUBEBUILDER_ASSETS/kube-apiserver" ] && [ -x "$KUBEBUILDER_ASSETS/etcd" ]; then
  printf '%s\n' "$KUBEBUILDER_ASSETS"
  exit 0
fi

cache="${SCC_KUBE_ASSETS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/scc-responder/kubernetes-$release}"
if [ -x "$cache/kube-apiserver" ] && [ -x "$cache/kube-controller-manager" ] && [ -x "$cache/etcd" ]; then
  printf '%s\n' "$cache"
  exit 0
fi

command -v go >/dev/null || die "Go is needed once to build the control plane from the Go module proxy (or set KUBEBUILDER_ASSETS)"
say "building kube-apiserver and kube-controller-manager $release and etcd $etcd_release into $cache (once per machine; minutes)"
started=$(date +%s)
mkdir -p "${cache%/*}"
tmp=$(mktemp -d "${cache%/*}/build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# What `kubectl version` and /version report: the release, not a development build.
version_pkg=k8s.io/component-base/version
ldflags="-s -w -X $version_pkg.gitVersion=$release -X $version_pkg.gitMajor=1 -X $version_pkg.gitMinor=$(echo "$release" | cut -d. -f2) -X $version_pkg.gitTreeState=clean -X $version_pkg.buildDate=1970-01-01T00:00:00Z"
(cd "$module" && go build -mod=readonly -trimpath -ldflags "$ldflags" -o "$tmp/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager) \
  || die "building the Kubernetes control plane failed"
(cd "$module" && go build -mod=readonly -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3) || die "building etcd failed"
mkdir -p "$cache" && mv "$tmp"/kube-apiserver "$tmp"/kube-controller-manager "$tmp"/etcd "$cache/"
say "built in $(($(date +%s) - started)) s"
printf '%s\n' "$cache"
