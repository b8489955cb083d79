#!/usr/bin/env bash
# The demo command (npm run demo). From a fresh Debian machine (as root): Node 24, the npm packages and the lab's
# Debian packages (scripts/bootstrap.sh), the build, real n8n 2.41.1 in a cache (scripts/n8n.sh, minutes, once),
# then scripts/demo.ts: three WordPress sites, n8n with this package and the example workflows active, a few user
# changes on site A and a table of what happened. It keeps n8n and the sites running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> bootstrap: Node 24, npm packages, PHP/MariaDB/WordPress from Debian (skips what is there)" >&2
source scripts/bootstrap.sh
echo "==> building the package (dist/)" >&2
npx gulp build --silent
echo "==> n8n 2.41.1 (installed once into ~/.cache/harmonyuser-sync; the first time takes a few minutes)" >&2
bash scripts/n8n.sh >/dev/null
# One process (tsx as a loader, not a wrapper), so Ctrl-C and SIGTERM reach the demo, which stops what it started.
exec node --import tsx scripts/demo.ts "$@"
