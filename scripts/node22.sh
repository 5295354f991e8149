#!/usr/bin/env bash
# Runs "$@" under Node >= 22 with the workspace's node_modules/.bin on PATH.
# @kubernetes/client-node 2.x needs undici 8, which needs Node >= 22.19. When the machine's Node is
# older, the `node@22` package from the npm registry (which ships a real binary) is installed once
# into .cache/node22 and put first on PATH, so `npm test` and `npm run demo` work on Node 20 machines.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
need_minor=19
ok() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>='"$need_minor"')?0:1)' 2>/dev/null
}
if ! ok; then
  dir="$root/.cache/node22"
  if [ ! -x "$dir/node_modules/node/bin/node" ]; then
    echo "capstan: Node $(node -v 2>/dev/null || echo none) is older than 22.$need_minor; fetching node@22 from the npm registry into .cache/node22" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-save --no-package-lock --no-audit --no-fund --loglevel=error node@22 >&2
  fi
  export PATH="$dir/node_modules/node/bin:$PATH"
  ok || { echo "capstan: could not provision Node >= 22.$need_minor (got $(node -v))" >&2; exit 1; }
fi
export PATH="$root/node_modules/.bin:$PATH"
exec "$@"
