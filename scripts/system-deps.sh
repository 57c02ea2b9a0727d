#!/usr/bin/env bash
# Makes sure the system programs named as arguments are present: `chromium` and `firefox`
# (Debian's firefox-esr; browser tests), `ip` and `nft` (iproute2 and nftables, real-network
# tests), `redis-server` (the Redis store and multi-node tests), `turnserver` (coturn: TURN
# credentials and relay-only calls) and `ffprobe` (Debian's ffmpeg: recordings are valid files).
# Installs the missing ones with apt-get when run as root; otherwise says exactly what to install.
# `npm test` and .ci/run ask for all of them.
set -euo pipefail

missing=()
for program in "$@"; do
  case "$program" in
    chromium) [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium) ;;
    firefox) [ -x "${FIREFOX_PATH:-/usr/bin/firefox-esr}" ] || missing+=(firefox-esr) ;;
    # iproute2's `ip` (tests/network); often in /usr/sbin, off a normal user's PATH.
    ip) command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2) ;;
    # nftables' `nft` (a path that carries nothing but ICE's checks, in tests/network).
    nft) command -v nft >/dev/null 2>&1 || [ -x /usr/sbin/nft ] || [ -x /sbin/nft ] || missing+=(nftables) ;;
    turnserver) command -v turnserver >/dev/null 2>&1 || missing+=(coturn) ;;
    ffprobe) command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg) ;;
    *) command -v "$program" >/dev/null 2>&1 || missing+=("$program") ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing ${missing[*]} with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core >/dev/null
else
  echo "The tests need: ${missing[*]}. Install them, e.g.: sudo apt-get install ${missing[*]}" >&2
  echo "(or point CHROMIUM_PATH and FIREFOX_PATH at the browsers' binaries)" >&2
  exit 1
fi
