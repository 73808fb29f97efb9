#!/usr/bin/env bash
# Install what the tests need, then run every test (unit, integration, CLI, server, app, browser).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
exec .venv/bin/python -m pytest -q "$@"
