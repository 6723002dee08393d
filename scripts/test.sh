#!/usr/bin/env bash
# Runs the whole test suite after the same set-up as the service (arguments go to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/browser.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
set +e
.venv/bin/pytest "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
    echo "pytest collected no tests; that is a failure, not a pass." >&2
    exit 1
fi
exit $status
