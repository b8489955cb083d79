#!/usr/bin/env bash
# Lints the bridge plugin: php -l on every PHP file (syntax), then PHP_CodeSniffer with bridge/phpcs.xml (WordPress
# conventions as far as Debian's php-codesniffer allows, in the bridge's 4-space layout). Exits non-zero when either
# finds a problem. phpcs is Debian's php-codesniffer, installed by the bootstrap (scripts/lab-deps.sh).
set -u
here="$(cd "$(dirname "$0")" && pwd)"
dir="$here/harmonyuser-sync-bridge"
status=0
count=0
while IFS= read -r -d '' file; do
  count=$((count + 1))
  if ! out="$(php -l "$file" 2>&1)"; then
    echo "$out" >&2
    status=1
  fi
done < <(find "$dir" -name '*.php' -print0)
if [ "$count" -eq 0 ]; then
  echo "lint.sh: no PHP files under $dir" >&2
  exit 1
fi
[ "$status" -eq 0 ] && echo "php -l: $count files OK"

if ! command -v phpcs >/dev/null 2>&1; then
  echo "lint.sh: phpcs not found: install Debian's php-codesniffer (bash scripts/lab-deps.sh does, as root)" >&2
  exit 1
fi
if out="$(phpcs --standard="$here/phpcs.xml" --report=full "$dir" 2>&1)"; then
  echo "phpcs (bridge/phpcs.xml): $count files OK"
else
  echo "$out" >&2
  status=1
fi
exit "$status"
