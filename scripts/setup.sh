#!/usr/bin/env bash
# Creates everything the service needs and is safe to run again:
# the bot's environment (.venv), Rasa's environment (.venv-nlu), the trained model.
# With --bot-only it stops after the bot's environment.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\033[1m[setup]\033[0m %s\n' "$*" >&2; }

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

find_python311() {
    local candidate
    for candidate in "${PYTHON:-}" python3.11 python3.12 python3.13 python3; do
        [[ -n "$candidate" ]] || continue
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

runs_python310() {
    "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1
}

find_python310() {
    # A pyenv shim named python3.10 may exist and still fail, so each candidate must run.
    local candidate prefix
    for candidate in "${PYTHON310:-}" python3.10; do
        [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null 2>&1 &&
            runs_python310 "$(command -v "$candidate")" && {
            command -v "$candidate"
            return 0
        }
    done
    if command -v pyenv >/dev/null 2>&1 && prefix=$(pyenv prefix 3.10 2>/dev/null); then
        runs_python310 "$prefix/bin/python3.10" && { echo "$prefix/bin/python3.10"; return 0; }
    fi
    for candidate in "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.10*/bin/python3.10; do
        runs_python310 "$candidate" && { echo "$candidate"; return 0; }
    done
    return 1
}

ensure_bot_venv() {
    local stamp
    stamp=$(stamp_of pyproject.toml constraints.txt)
    if [[ -f .venv/.stamp && "$(cat .venv/.stamp)" == "$stamp" ]]; then
        return 0
    fi
    local python
    python=$(find_python311) || {
        say "Python 3.11 or newer is needed for the bot. Install it (e.g. 'pyenv install 3.11')"
        say "or point PYTHON at it: PYTHON=/path/to/python3.11 $0"
        exit 1
    }
    say "Creating the bot environment in .venv with $python"
    [[ -x .venv/bin/python ]] || "$python" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
    # constraints.txt pins every package to the versions tested (scripts/lock.sh renews it).
    .venv/bin/python -m pip install --quiet -e '.[dev]' -c constraints.txt
    echo "$stamp" > .venv/.stamp
}

ensure_nlu_venv() {
    local stamp
    stamp=$(stamp_of nlu/requirements.txt nlu/constraints.txt)
    if [[ -f .venv-nlu/.stamp && "$(cat .venv-nlu/.stamp)" == "$stamp" ]]; then
        return 0
    fi
    local python
    python=$(find_python310) || {
        say "Rasa 3.6 needs Python 3.10, and none was found (PYTHON310, python3.10 on PATH, pyenv)."
        say "Install one, e.g. 'pyenv install 3.10' or 'apt-get install python3.10 python3.10-venv',"
        say "or point PYTHON310 at it: PYTHON310=/path/to/python3.10 $0"
        exit 1
    }
    say "Creating the Rasa environment in .venv-nlu with $python (a few minutes the first time)"
    [[ -x .venv-nlu/bin/python ]] || "$python" -m venv .venv-nlu
    .venv-nlu/bin/python -m pip install --quiet --upgrade pip wheel
    .venv-nlu/bin/python -m pip install --quiet -r nlu/requirements.txt -c nlu/constraints.txt
    echo "$stamp" > .venv-nlu/.stamp
}

ensure_bot_venv
[[ "${1:-}" == "--bot-only" ]] && exit 0
ensure_nlu_venv
mkdir -p data models
.venv/bin/complaint-desk train-nlu
