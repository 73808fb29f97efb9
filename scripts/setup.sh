#!/usr/bin/env bash
# Create .venv and install the project with pinned dependencies (idempotent, offline after the first run).
# Usage: scripts/setup.sh [test|bench]   - "test" also installs the test tools and Debian's chromium;
#                                          "bench" the benchmark's (matplotlib, playwright) and chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3.11}"
command -v "$PYTHON" >/dev/null || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
extras=""
case "${1:-}" in
  test) extras="[test]" ;;
  bench) extras="[test,bench]" ;;
esac
# Reinstall only when pyproject.toml changed since the last successful install.
stamp=".venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)-${1:-app}"
# llama-cpp-python (the writer tests' local LLM) compiles llama.cpp at install. Its default build tunes for this
# CPU, and on CPUs with AMX tiles (Xeon Sapphire Rapids and later) that build crashes while generating (seen
# here: a segmentation fault on the first token). A portable build (AVX2, FMA, F16C) runs everywhere.
export CMAKE_ARGS="${CMAKE_ARGS:--DGGML_NATIVE=OFF}"
if [ ! -f "$stamp" ]; then
  # --no-cache-dir: the wheels are not kept a second time in ~/.cache/pip (about 1 GB when all come from PyPI).
  if ! { .venv/bin/python -m pip install --quiet --no-cache-dir --upgrade pip &&
         .venv/bin/python -m pip install --quiet --no-cache-dir -e ".${extras}"; }; then
    echo "setup: the install failed; free space here (the .venv needs about 3 GB):" >&2
    df -h . "${TMPDIR:-/tmp}" >&2
    exit 1
  fi
  touch "$stamp"
fi
if [ -n "$extras" ] && [ ! -x /usr/bin/chromium ]; then
  # The browser tests drive Debian's chromium through the playwright pip package
  # (never `playwright install`, which downloads a browser).
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
