#!/usr/bin/env bash
# Debian's Chromium for the browser tests and `make screenshots` (a test tool's own browser download fails
# offline). As root it is installed with apt after saying so; NO_SYSTEM_INSTALL=1, or not being root, only
# reports what is missing (the browser tests then fail with the command to run).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || [ -n "${NO_SYSTEM_INSTALL:-}" ]; then
  echo "chromium is missing for the browser tests: run 'sudo apt-get install -y chromium'" >&2
  exit 0
fi
echo "installing Debian's chromium with apt-get for the browser tests (NO_SYSTEM_INSTALL=1 skips this)" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
