#!/usr/bin/env bash
# Source this file: Node 24 on PATH, the project's npm packages installed (reinstalled when the lock file
# changed), and the Debian packages the WordPress lab needs (not with HUS_BOOTSTRAP_LAB=0: the unit tests need
# none). Safe to run again: it skips what is done.
source "$(dirname "${BASH_SOURCE[0]}")/node24.sh" || return 1
HUS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ ! -f "$HUS_ROOT/node_modules/.package-lock.json" ] || [ "$HUS_ROOT/package-lock.json" -nt "$HUS_ROOT/node_modules/.package-lock.json" ]; then
  echo "==> installing npm packages (first run takes a minute or two)" >&2
  # Exactly the lock file's versions (`npm ci` refuses a lock that does not match package.json: after changing
  # dependencies, run `npm install` once and commit the lock with every platform's optional bindings).
  # Scripts are skipped: no dependency needs one here, and some would download binaries this network refuses.
  (cd "$HUS_ROOT" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) >&2 || return 1
fi
[ "${HUS_BOOTSTRAP_LAB:-1}" = 0 ] || bash "$HUS_ROOT/scripts/lab-deps.sh" || return 1
