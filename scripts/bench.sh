#!/usr/bin/env bash
# Install what the benchmark needs, then run it: writes bench/out/report.md, latency.png, results.json.
# Arguments go to bench/benchmark.py (e.g. --quick, --only latency,cold).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh bench
exec .venv/bin/python bench/benchmark.py "$@"
