#!/usr/bin/env bash
# npm run test:unit: the unit tests only (jest project `unit`, see jest.config.js): no WordPress lab, no
# database server, no build, no n8n; seconds. Node 24 and the npm packages are bootstrapped, nothing else.
# Arguments go to jest: `npm run test:unit -- test/core/sync` or `-- --watch`.
set -euo pipefail
cd "$(dirname "$0")/.."
HUS_BOOTSTRAP_LAB=0 source scripts/bootstrap.sh
# --selectProjects goes last: it takes every argument after it as a project name.
exec npx jest "$@" --selectProjects unit
