#!/usr/bin/env bash
# Makes Chromium available for the browser tests (tests/web/test_browser.py): the
# distribution's package, never a browser downloaded by Playwright. Safe to run again.
set -euo pipefail

say() { printf '\033[1m[browser]\033[0m %s\n' "$*" >&2; }

for candidate in "${CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    [[ -n "$candidate" && -x "$candidate" ]] && exit 0
done
command -v chromium >/dev/null 2>&1 && exit 0

if command -v apt-get >/dev/null 2>&1 && [[ $(id -u) -eq 0 ]]; then
    say "Installing Chromium for the browser tests (apt-get install chromium)"
    if ! apt-get install -y chromium >/dev/null 2>&1; then
        apt-get update >/dev/null 2>&1 || true
        apt-get install -y chromium >/dev/null || {
            say "apt-get could not install chromium; install it by hand, or set CHROMIUM=/path/to/it"
            exit 1
        }
    fi
    exit 0
fi
say "The browser tests need Chromium and there is none."
say "Install it (Debian/Ubuntu: sudo apt-get install chromium; Fedora: sudo dnf install chromium;"
say "macOS: brew install --cask chromium) or point CHROMIUM at one: CHROMIUM=/path/to/chromium $0"
exit 1
