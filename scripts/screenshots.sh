#!/usr/bin/env bash
# Retakes docs/screenshots/*.png (see scripts/screenshots.ts): bootstraps like the demo, builds, makes sure n8n is
# installed, then drives headless Chromium (Debian's package, installed when missing) over the DevTools Protocol.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bootstrap.sh
npx gulp build --silent
bash scripts/n8n.sh >/dev/null
exec node --import tsx scripts/screenshots.ts
