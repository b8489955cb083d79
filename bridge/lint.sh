#!/usr/bin/env bash
# php -l on every PHP file of the bridge plugin; exits non-zero when any file has a syntax error.
set -u
dir="$(cd "$(dirname "$0")" && pwd)/harmonyuser-sync-bridge"
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
exit "$status"
