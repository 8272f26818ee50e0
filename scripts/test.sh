#!/usr/bin/env bash
# One command on a fresh machine: set up, lint, then run the whole test suite
# (SQLite always; PostgreSQL at GROUPBOT_TEST_POSTGRES_URL or 127.0.0.1:5432 when reachable).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check groupbot handlers messages migrations tests $(ls -d benchmarks tools 2>/dev/null)
exec .venv/bin/python -m pytest "$@"
