#!/usr/bin/env bash
# The benchmark command (npm run bench): bootstraps like the tests (Node 24, npm packages, the lab's Debian
# packages, the build, n8n 2.41.1 in the cache), then runs every script in bench/ one after another with the
# issue's sizes, so no two disturb each other. Each prints its machine line, medians, spread and ratios.
# Takes about 45 minutes. One benchmark: npm run bench -- polling   (the name of a bench/*.bench.ts file)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
npx gulp build --silent
bash scripts/n8n.sh >/dev/null
ALL=(initialSync builtinNode eventLatency networkFanOut polling queueScale syncLog activation)
for name in "${@:-${ALL[@]}}"; do
  echo "==> bench/$name.bench.ts" >&2
  node --import tsx "bench/$name.bench.ts"
done
