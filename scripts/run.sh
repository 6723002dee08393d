#!/usr/bin/env bash
# Runs the service: sets up what is missing, then the NLU server, the bot and the web chat
# (without TELEGRAM_BOT_TOKEN, the web chat alone; the address is printed). Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --bot-only
.venv/bin/complaint-desk check-config
scripts/setup.sh
exec .venv/bin/complaint-desk run "$@"
