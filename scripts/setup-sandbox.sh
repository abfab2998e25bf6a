#!/usr/bin/env bash
# numpy for the coding sandbox: Debian's python3-numpy, readable by the sandbox's unprivileged uid.
# (The sandbox never uses the app's .venv.) Without it, questions that allow numpy report that they cannot run.
set -euo pipefail
if /usr/bin/python3 -I -c 'import numpy' 2>/dev/null; then exit 0; fi
if [ "$(id -u)" != 0 ]; then echo "numpy missing for /usr/bin/python3: run 'sudo apt-get install -y python3-numpy'" >&2; exit 0; fi
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >/dev/null
