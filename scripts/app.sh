#!/usr/bin/env bash
# Install what the app needs, then start the chat at http://localhost:8501.
# With no index yet, the page builds it with a progress bar on first start.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/streamlit run app.py --server.headless true --browser.gatherUsageStats false "$@"
