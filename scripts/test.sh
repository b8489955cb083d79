#!/usr/bin/env bash
# The test command (npm test): bootstraps, builds, type-checks, lints with n8n's community-node rules, then
# runs every test: the unit project, and the integration project against real WordPress sites (brought up by
# its global setup), PostgreSQL, n8n's real engine and real n8n. Arguments go to jest (paths, -t, …).
# HUS_TEST_PROJECT=integration runs that project only (npm run test:integration); npm run test:unit needs none
# of the steps before the tests (scripts/test-unit.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

echo "==> build" >&2
npx gulp build --silent
echo "==> typecheck" >&2
npx tsc --noEmit -p tsconfig.json
echo "==> n8n community-node lint" >&2
npx n8n-node lint </dev/null
echo "==> php -l and phpcs on the bridge plugin" >&2
bash bridge/lint.sh
echo "==> tests" >&2
status=0
# --selectProjects goes last: it takes every argument after it as a project name.
npx jest --json --outputFile=.test-results.json "$@" ${HUS_TEST_PROJECT:+--selectProjects "$HUS_TEST_PROJECT"} || status=$?
# A closing line any CI can read, whatever the runner prints.
node -e '
  const r = require("./.test-results.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
  if (r.numTotalTests === 0) process.exitCode = 1;
' || status=1
exit "$status"
