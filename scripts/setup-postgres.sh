#!/usr/bin/env bash
# Install Debian's PostgreSQL server binaries for the storage and scale-out tests. Tests start their own
# throw-away cluster on loopback (tests/pg_server.py); the distribution's own cluster is not used or started.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "PostgreSQL missing: run 'sudo apt-get install -y postgresql'" >&2; exit 0; fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
