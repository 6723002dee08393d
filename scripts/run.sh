#!/usr/bin/env bash
# Runs the service: sets up what is missing, then the NLU server and the bot. Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bot-only
.venv/bin/complaint-desk check-config
scripts/setup.sh
exec .venv/bin/complaint-desk run "$@"
