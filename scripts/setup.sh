#!/usr/bin/env bash
# Creates ./.venv with Python 3.11 and installs groupbot (and, with --test, the test tools).
# Safe to run again: it only installs what changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-}
if [ -z "$PY" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
      PY=$candidate; break
    fi
  done
fi
if [ -z "$PY" ]; then
  echo "groupbot needs Python 3.11 (set PYTHON=/path/to/python3.11)" >&2
  exit 1
fi
[ -x .venv/bin/python ] || "$PY" -m venv .venv
extras=""
[ "${1:-}" = "--test" ] && extras="[test]"
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".${extras}"
if [ "${1:-}" = "--test" ]; then
  # The playground's browser tests drive Debian's Chromium (Playwright never downloads a
  # browser here). Installed when missing and we are root; elsewhere the tests skip with a
  # notice (in CI, CI=true, they fail instead).
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing chromium for the browser tests (apt-get)…"
      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } >/dev/null 2>&1 \
        || echo "could not install chromium; the browser tests will be skipped" >&2
    else
      echo "no chromium: the browser tests will be skipped (as root: apt-get install chromium)" >&2
    fi
  fi
fi
