#!/usr/bin/env bash
# Installs real n8n (2.41.1, the newest 2.41 that installs from the registry here) into a cache outside the repo,
# once, and prints the path of its `n8n` bin on stdout. Progress goes to stderr. Idempotent and safe to run
# concurrently (a lock serialises installs). See /work/shared/notes/n8n.md for why it is done this way:
#   npm install --ignore-scripts n8n@2.41.1   (a plain install fails on a Kafka client's native build)
#   npm rebuild sqlite3                        (with npm_config_nodedir = Node 24's package dir: it ships include/node)
# Usage: bash scripts/n8n.sh            → prints …/n8n-2.41.1/node_modules/.bin/n8n
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/node24.sh

N8N_VERSION="${HUS_N8N_VERSION:-2.41.1}"
HUS_CACHE="${HUS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/harmonyuser-sync}"
DIR="$HUS_CACHE/n8n-$N8N_VERSION"
BIN="$DIR/node_modules/.bin/n8n"
SQLITE_BINDING="$DIR/node_modules/sqlite3/build/Release/node_sqlite3.node"
NODE_DIR="$(cd "$(dirname "$(command -v node)")/.." && pwd)"

ready() { [ -x "$BIN" ] && [ -f "$SQLITE_BINDING" ] && [ -f "$DIR/node_modules/n8n/package.json" ]; }

if ! ready; then
  mkdir -p "$DIR"
  exec 9>"$DIR/.install.lock"
  echo "==> n8n $N8N_VERSION: waiting for the install lock ($DIR)" >&2
  flock 9
  if ! ready; then
    if [ ! -x "$BIN" ] || [ ! -f "$DIR/node_modules/n8n/package.json" ]; then
      echo "==> installing n8n@$N8N_VERSION into $DIR (about 200 s, 2.9 GB; --ignore-scripts)" >&2
      [ -f "$DIR/package.json" ] || echo '{"name":"hus-n8n-runtime","private":true}' >"$DIR/package.json"
      (cd "$DIR" && npm install --ignore-scripts --no-audit --no-fund --save-exact "n8n@$N8N_VERSION" >&2)
    fi
    if [ ! -f "$SQLITE_BINDING" ]; then
      echo "==> building sqlite3 for Node $(node -v) (about 50 s)" >&2
      (cd "$DIR" && npm_config_nodedir="$NODE_DIR" npm rebuild sqlite3 >&2)
    fi
  fi
  flock -u 9
  ready || { echo "n8n $N8N_VERSION is not usable in $DIR (missing bin or sqlite3 binding)" >&2; exit 1; }
  echo "==> n8n $N8N_VERSION ready" >&2
fi
echo "$BIN"
