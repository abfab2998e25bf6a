#!/usr/bin/env bash
# Debian's PostgreSQL server binaries for the storage and scale-out tests. Tests start their own throw-away
# cluster on loopback (tests/pg_server.py); the distribution's own cluster is not used or started. As root it is
# installed with apt after saying so; NO_SYSTEM_INSTALL=1, or not being root, only reports what is missing.
set -euo pipefail
if ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ] || [ -n "${NO_SYSTEM_INSTALL:-}" ]; then
  echo "PostgreSQL is missing for the storage and scale-out tests: run 'sudo apt-get install -y postgresql'" >&2
  exit 0
fi
echo "installing Debian's postgresql with apt-get for the storage and scale-out tests (NO_SYSTEM_INSTALL=1 skips this)" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
