#!/usr/bin/env bash
# Builds tsimg-vcsim (scripts/vcsim/*.go) from Debian's golang-go and
# golang-github-vmware-govmomi-dev, offline (GOPATH mode, no module proxy), into a cache keyed
# by the hash of the Go files: ${TSIMG_VCSIM_CACHE:-~/.cache/tsimg/vcsim}/<hash>/tsimg-vcsim.
# Prints the binary's path. A warm cache returns at once.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${TSIMG_VCSIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tsimg/vcsim}"
hash="$( (cat "$here"/*.go; go version 2>/dev/null; dpkg-query -W -f='${Version}' golang-github-vmware-govmomi-dev 2>/dev/null) | sha256sum | cut -c1-16)"
out="$cache/$hash/tsimg-vcsim"
if [ -x "$out" ]; then echo "$out"; exit 0; fi
if ! command -v go >/dev/null || [ ! -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ]; then
  echo "build.sh: needs Debian's golang-go and golang-github-vmware-govmomi-dev (apt-get install golang-go golang-github-vmware-govmomi-dev)" >&2
  exit 1
fi
gopath="$cache/gopath"
# A source folder per hash: two checkouts building different sources at once do not mix files.
src="$gopath/src/tsimg-vcsim-$hash"
mkdir -p "$src" "$cache/$hash"
rm -f "$src"/*.go
cp "$here"/*.go "$src/"
(
  cd "$src"
  GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH="$gopath:/usr/share/gocode" GOCACHE="$cache/gocache" \
    go build -o "$out.tmp" .
)
mv "$out.tmp" "$out"
echo "$out"
