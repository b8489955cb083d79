#!/usr/bin/env bash
# The test command (npm test): bootstraps, builds, type-checks, lints with n8n's community-node rules, then
# runs every test: the unit project, and the integration projects against real WordPress sites (brought up by
# their global setups), PostgreSQL, n8n's real engine and real n8n: `integration` on WordPress 6.1 under php -S,
# `integration-wp68` on WordPress 6.8 under nginx + PHP-FPM in a lab of its own (lab/harness/labs.js), with the
# cross-version and FPM tests of test/modern/. Arguments go to jest (paths, -t, …).
# HUS_TEST_PROJECT=integration runs both integration projects only (npm run test:integration); other values
# name jest projects (e.g. HUS_TEST_PROJECT=integration-wp68). npm run test:unit needs none of the steps before
# the tests (scripts/test-unit.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh

echo "==> build" >&2
npx gulp build --silent
echo "==> typecheck" >&2
npx tsc --noEmit -p tsconfig.json
echo "==> n8n community-node lint" >&2
npx n8n-node lint </dev/null
echo "==> prettier (npm run format writes what differs)" >&2
npx prettier --check . --log-level warn
echo "==> php -l and phpcs on the bridge plugin" >&2
bash bridge/lint.sh
echo "==> tests" >&2
status=0
projects=()
case "${HUS_TEST_PROJECT:-}" in
  '') ;;
  integration) projects=(integration integration-wp68) ;;
  *) read -r -a projects <<<"$HUS_TEST_PROJECT" ;;
esac
# --selectProjects goes last: it takes every argument after it as a project name.
npx jest --json --outputFile=.test-results.json "$@" ${projects[@]:+--selectProjects "${projects[@]}"} || status=$?
# A closing line any CI can read, whatever the runner prints.
node -e '
  const r = require("./.test-results.json");
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
  if (r.numTotalTests === 0) process.exitCode = 1;
' || status=1
exit "$status"
