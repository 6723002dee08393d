#!/usr/bin/env bash
# Parse latency of two NLU pipelines side by side: A, B, A, B, ... (alternating, so that the
# load of a shared machine falls on both), each run `benchmarks/nlu_bench.py --latency
# --components` on a model trained once per pipeline, then one table of all runs.
#
#   benchmarks/nlu_ab.sh nlu/pipelines/production.yml nlu/config.yml        # 4 runs, ~8 min
#   ROUNDS=3 OUT=/tmp/nlu-ab benchmarks/nlu_ab.sh A.yml B.yml               # A B A B A B
#
# Models go to $OUT/models (default /tmp/nlu-ab), named after the pipeline file and the
# training inputs, so a second run reuses them; training time is printed when trained.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -eq 2 ]] || { echo "usage: $0 CONFIG_A CONFIG_B" >&2; exit 2; }
OUT=${OUT:-/tmp/nlu-ab}
ROUNDS=${ROUNDS:-2}
export RASA_TELEMETRY_ENABLED=false TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore
mkdir -p "$OUT/models" "$OUT/runs"

model_of() {  # trains the pipeline $1 if its model is missing; prints the model's path
  local config=$1 name
  name="ab-$(basename "$config" .yml)-$(.venv/bin/python -c "
import hashlib, sys
from bot.nlu_model import fingerprint
print(hashlib.sha256((fingerprint() + open(sys.argv[1]).read()).encode()).hexdigest()[:12])
" "$config")"
  if [[ ! -f "$OUT/models/$name.tar.gz" ]]; then
    local started=$SECONDS
    RASA_CACHE_DIRECTORY=$(mktemp -d) .venv-nlu/bin/rasa train --config "$config" \
      --domain domain.yml --data nlu stories --out "$OUT/models" --fixed-model-name "$name" \
      >"$OUT/models/$name.log" 2>&1
    echo "trained $config in $((SECONDS - started)) s" >&2
  fi
  echo "$OUT/models/$name.tar.gz"
}

A=$(model_of "$1")
B=$(model_of "$2")
stamp=$(date +%H%M%S)
runs=()
for round in $(seq "$ROUNDS"); do
  for side in A B; do
    model=$A config=$1
    [[ $side == B ]] && model=$B config=$2
    json="$OUT/runs/$stamp-$round-$side.json"
    echo "== round $round, $side: $config" >&2
    .venv/bin/python benchmarks/nlu_bench.py --model "$model" --latency --components \
      --json "$json" >"${json%.json}.txt"
    runs+=("$side:$config:$json")
  done
done

.venv/bin/python - "${runs[@]}" <<'EOF'
import json, sys

print(f"{'run':4} {'pipeline':32} {'load':>9} {'p50':>6} {'p99':>6} {'mean':>6} {'cpu/msg':>8} "
      f"{'8c p50':>7} {'8c p99':>7} {'RSS MiB':>8} {'gated':>6}")
for index, run in enumerate(sys.argv[1:], 1):
    side, config, path = run.split(":", 2)
    r = json.load(open(path))
    one, many = r["timings"]
    gated = one.get("dense_gate_passed")
    load = f"{r['machine_before']['load_average']:.1f}-{r['machine_after']['load_average']:.1f}"
    print(f"{index:<2}{side:2} {config:32} {load:>9} {one['p50_ms']:6.1f} {one['p99_ms']:6.1f} "
          f"{one['mean_ms']:6.1f} {one['server_cpu_ms_per_message']:8.1f} {many['p50_ms']:7.1f} "
          f"{many['p99_ms']:7.1f} {r['memory_at_end']['rss_mib']:8.0f} "
          f"{'-' if gated is None else f'{gated:.1%}':>6}")
EOF
echo "per-run reports (components): $OUT/runs/$stamp-*.txt" >&2
