#!/usr/bin/env bash
# One command on a fresh machine: set up, then play the scripted demo against the sandbox.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/groupbot demo "$@"
