#!/usr/bin/env bash
# Configure the shared Prefect server for dondoc, run from a checkout with dondoc's virtualenv active:
# the process work pool and its concurrency limit, the automation that marks runs of a lost worker
# Crashed, and the four deployments of prefect.yaml. Safe to run again (it updates what exists).
#
#   PREFECT_API_URL=https://prefect.example/api PREFECT_API_AUTH_STRING=… deploy/prefect-setup.sh [POOL_LIMIT]
#
# POOL_LIMIT (default 8) is how many flow runs may run at once across all workers: the sum of the
# deployments' limits in prefect.yaml (2 + 4 + 1 + 1). See docs/scaling.md.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${PREFECT_API_URL:?set PREFECT_API_URL to the Prefect server API, e.g. https://prefect.example/api}"
python -m dondoc.prefect_server setup --pool dondoc-process --pool-limit "${1:-8}"
# prefect.yaml stores no machine path (each worker resolves its own), so any machine may deploy.
prefect --no-prompt deploy --all
