#!/usr/bin/env bash
# Install Debian's Chromium for the browser tests (a test tool's own browser download fails offline).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "chromium missing: run 'sudo apt-get install -y chromium'" >&2; exit 0; fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
