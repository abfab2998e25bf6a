#!/usr/bin/env bash
# numpy and pandas for the coding sandbox: Debian's python3-numpy and python3-pandas, readable by the sandbox's
# unprivileged uid (the sandbox never uses the app's .venv). Without them, questions that allow numpy (or use pandas)
# report that they cannot run. NO_SYSTEM_INSTALL=1 only reports what is missing.
set -euo pipefail
missing=()
/usr/bin/python3 -I -c 'import numpy' 2>/dev/null || missing+=(python3-numpy)
/usr/bin/python3 -I -c 'import pandas' 2>/dev/null || missing+=(python3-pandas)
if [ ${#missing[@]} = 0 ]; then exit 0; fi
if [ "$(id -u)" != 0 ] || [ -n "${NO_SYSTEM_INSTALL:-}" ]; then
  echo "the code sandbox's /usr/bin/python3 lacks ${missing[*]}: run 'sudo apt-get install -y ${missing[*]}'" >&2
  exit 0
fi
echo "installing ${missing[*]} for the code sandbox's /usr/bin/python3 (NO_SYSTEM_INSTALL=1 skips this)" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
