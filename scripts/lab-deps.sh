#!/usr/bin/env bash
# Installs the Debian packages the WordPress lab needs, and PHP_CodeSniffer for the bridge's lint (bridge/lint.sh),
# when missing. Idempotent, quiet when all are present, works as root without a TTY (CI). apt must not start
# services: the lab starts what it needs itself.
# - wordpress is bookworm's 6.1.9; the lab's 6.8.7 is trixie's package, unpacked into the cache by lab/wordpress.js
#   (never installed), with its getID3 linked to php-getid3's.
# - nginx and php8.2-fpm: the lab's production-stack sites (lab/fpm.js), with config files of their own.
set -euo pipefail
PACKAGES=(php-cli php-mysql php-curl php-xml php-mbstring mariadb-server wordpress php-getid3 nginx php8.2-fpm php-codesniffer)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "lab-deps: missing Debian packages: ${missing[*]} (run this script as root)" >&2
  exit 1
fi
echo "lab-deps: installing ${missing[*]}" >&2
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
