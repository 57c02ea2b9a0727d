#!/usr/bin/env bash
# Makes sure the system programs the tests use are present: Debian's Chromium (browser tests)
# and redis-server (multi-node tests). Installs them with apt-get when run as root; otherwise
# says exactly what to install. Used by `npm test` and by .ci/run.
set -euo pipefail

missing=()
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
else
  echo "The tests need: ${missing[*]}. Install them, e.g.: sudo apt-get install ${missing[*]}" >&2
  echo "(or point CHROMIUM_PATH at a Chromium binary)" >&2
  exit 1
fi
