"""Time per pipeline component of a trained model, in one process, over labelled sets' texts.

    .venv-nlu/bin/python nlu/component_timing.py models/nlu-….tar.gz tests/data/nlu_dev.yml

Loads the model as `rasa run` does (rasa.core.agent.Agent), wraps each node of its parse
graph with a CPU-time counter, parses every message of the sets `--rounds` times (after one
untimed round) and prints each component's share of the parse time, with the load average.
benchmarks/nlu_bench.py --components runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))  # the custom components (nlu.components.…)

ANNOTATION = re.compile(r"\[([^\]]+)\](\([^)]*\)|\{[^}]*\})")


def examples_of(path: Path) -> list[tuple[str, str]]:
    """(text, intent) pairs of a Rasa NLU YAML file; retrieval intents keep their base name."""
    examples = []
    for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
        for line in block.get("examples", "").splitlines():
            text = ANNOTATION.sub(r"\1", line.strip().removeprefix("- ").strip())
            if text:
                examples.append((text, block["intent"].split("/")[0]))
    return examples


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    f1s = []
    for intent in sorted(set(gold)):
        tp = sum(g == p == intent for g, p in zip(gold, predicted, strict=True))
        precision = tp / predicted.count(intent) if predicted.count(intent) else 0.0
        recall = tp / gold.count(intent)
        f1s.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return sum(f1s) / len(f1s)


def instrument(agent: Any) -> dict[str, list[float]]:
    """Wraps every node of the agent's parse graph; returns where the CPU times land."""
    spent: dict[str, list[float]] = defaultdict(list)
    nodes = agent.processor.graph_runner._instantiated_nodes  # Rasa 3.6's DaskGraphRunner
    for name, node in nodes.items():

        def timed(component: Any, *args: Any, _fn: Any = node._fn, _name: str = name, **kw: Any):
            started = time.thread_time()
            try:
                return _fn(component, *args, **kw)
            finally:
                spent[_name].append((time.thread_time() - started) * 1000)

        node._fn = timed
    return spent


def quiet_logs() -> None:
    """Rasa logs every parse at debug level in-process; the server does not."""
    import structlog

    logging.getLogger().setLevel(logging.WARNING)
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))


def measure(model: Path, sets: list[Path], rounds: int) -> dict[str, Any]:
    from rasa.core.agent import Agent

    quiet_logs()
    agent = Agent.load(str(model))
    quality = {}
    for path in sets:
        examples = examples_of(path)
        answers = [asyncio.run(agent.parse_message(text)) for text, _ in examples]
        predicted = [a["intent"]["name"] for a in answers]
        quality[path.name] = macro_f1([g for _, g in examples], predicted)
    texts = [text for path in sets for text, _ in examples_of(path)]
    spent = instrument(agent)

    async def parse_all() -> list[float]:
        totals = []
        for text in texts:
            started = time.thread_time()
            await agent.parse_message(text)
            totals.append((time.thread_time() - started) * 1000)
        return totals

    spent.clear()
    load_before = os.getloadavg()
    totals = [t for _ in range(rounds) for t in asyncio.run(parse_all())]
    messages = len(totals)
    components = sorted(
        ({"node": n, "ms_per_message": sum(v) / messages} for n, v in spent.items()),
        key=lambda row: -row["ms_per_message"],
    )
    cuts = statistics.quantiles(totals, n=100)
    return {
        "messages": messages,
        "macro_f1": quality,
        "load_average": [load_before[0], os.getloadavg()[0]],
        "cpu_ms_per_message": {"mean": statistics.fmean(totals), "p50": cuts[49], "p99": cuts[98]},
        "components": components,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("sets", type=Path, nargs="+")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    result = measure(args.model, args.sets, args.rounds)
    for name, f1 in result["macro_f1"].items():
        print(f"{name}: macro-F1 {f1:.3f} (nlu_fallback counts as a miss)")
    cpu = result["cpu_ms_per_message"]
    print(
        f"in-process parse of {result['messages']} messages, CPU per message: "
        f"mean {cpu['mean']:.2f} ms, p50 {cpu['p50']:.2f} ms, p99 {cpu['p99']:.2f} ms "
        f"(1-min load {result['load_average'][0]:.2f} -> {result['load_average'][1]:.2f})"
    )
    for row in result["components"]:
        share = row["ms_per_message"] / cpu["mean"] if cpu["mean"] else 0.0
        print(f"  {row['node']:60} {row['ms_per_message']:7.3f} ms  {share:6.1%}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
