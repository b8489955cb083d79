#!/usr/bin/env bash
# Runs a command with Node >= 24 first on PATH.
set -euo pipefail
source "$(dirname "$0")/node24.sh"
exec "$@"
