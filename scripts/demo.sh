#!/usr/bin/env bash
# The demo command (npm run demo): bootstraps, builds the package, then runs scripts/demo.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
echo "==> building the package" >&2
npx gulp build --silent
exec npx tsx scripts/demo.ts
