#!/usr/bin/env bash
# Debian's espeak-ng, the fallback voice for spoken questions when piper (installed by pip with the project) is
# missing or fails. `make run` and `make test` call this. As root it is installed with apt after saying so;
# NO_SYSTEM_INSTALL=1, or not being root, only reports what is missing (the app still speaks with piper, and says
# why when neither voice is there).
set -euo pipefail
if command -v espeak-ng >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" != 0 ] || [ -n "${NO_SYSTEM_INSTALL:-}" ]; then
  echo "espeak-ng (the fallback voice for spoken questions) is missing: run 'sudo apt-get install -y espeak-ng'" >&2
  exit 0
fi
echo "installing Debian's espeak-ng with apt-get, the fallback voice for spoken questions (NO_SYSTEM_INSTALL=1 skips this)" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null
