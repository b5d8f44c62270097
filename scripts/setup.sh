#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks: nats-server, node_modules, and for `test` also
# chromium (the e2e browser). Run by npm before `npm start` (mode start) and `npm test` (mode
# test). Idempotent: silent when everything is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  missing+=(nats-server)
fi
mode="${1:-test}"
if [ "$mode" = test ] && [ ! -x /usr/bin/chromium ]; then
  missing+=(chromium)
fi

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== setup: installing ${missing[*]} =="
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "Missing: ${missing[*]}. Install it, then re-run:" >&2
    echo "  Debian/Ubuntu: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    echo "  macOS:         brew install nats-server && brew install --cask chromium" >&2
    echo "  nats-server elsewhere: https://github.com/nats-io/nats-server/releases" >&2
    exit 1
  fi
fi

# npm records the installed tree in node_modules/.package-lock.json; if that is newer than
# both manifests, the install is current and re-running npm ci would only waste time.
if [ -f node_modules/.package-lock.json ] &&
  [ ! package.json -nt node_modules/.package-lock.json ] &&
  { [ ! -f package-lock.json ] || [ ! package-lock.json -nt node_modules/.package-lock.json ]; }; then
  exit 0
fi

echo "== setup: installing npm dependencies =="
if [ -f package-lock.json ] && npm ci --no-audit --no-fund; then
  :
else
  echo "npm ci unavailable or failed; falling back to npm install"
  npm install --no-audit --no-fund
fi
