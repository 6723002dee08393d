"""Scores the production model beside the simple baseline, and times the NLU server.

    .venv/bin/python benchmarks/nlu_bench.py            # production model, trained if missing
    .venv/bin/python benchmarks/nlu_bench.py --train-into /tmp/nlu-bench-models --json out.json
    .venv/bin/python benchmarks/nlu_bench.py --model /tmp/other/nlu-x.tar.gz --latency

The model comes from ensure_model() (the one the bot serves); `--train-into DIR` trains it afresh
into DIR, with an empty Rasa cache, and times that. The server listens on a free loopback port
and is stopped at the end. `--model FILE` serves that model as it is (for an A/B of two
pipelines, benchmarks/nlu_ab.sh).

Quality: every message of the three development sets (tests/data/nlu_dev.yml, nlu_dev2.yml,
nlu_dev3.yml)
and of the evaluation set (tests/data/nlu_eval.yml) is parsed and scored as the bot sees it
(nlu_fallback counts as a miss), side by side with the baseline of nlu/baseline.py
(character n-gram TF-IDF + logistic regression on the same training data, run in the Rasa
environment). Reliability:
how often the model's best intent is right, by bins of its confidence, on the development set.

Speed: messages then cycle through the sets' texts one at a time and from concurrent clients.
`--latency` skips the scoring (for a quick run on a quiet machine); `--components` adds the
CPU time of each pipeline component, parsed in one process (nlu/component_timing.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from bot.nlu_model import (
    NluPaths,
    NluServer,
    NluSetupError,
    ensure_model,
    free_port,
    model_file,
    rasa_env,
)

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))  # the tests' scoring, when run as a script from anywhere

from tests.nlu.scoring import confusions, load_examples, macro_f1, score  # noqa: E402

EVALUATION_FILE = PROJECT_DIR / "tests" / "data" / "nlu_eval.yml"
DEVELOPMENT_FILE = PROJECT_DIR / "tests" / "data" / "nlu_dev.yml"
DEVELOPMENT2_FILE = PROJECT_DIR / "tests" / "data" / "nlu_dev2.yml"
DEVELOPMENT3_FILE = PROJECT_DIR / "tests" / "data" / "nlu_dev3.yml"
FALLBACK = "nlu_fallback"
CONFIDENCE_BINS = (0.0, 0.3, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0)


@dataclass(frozen=True)
class Timing:
    """Latency of one run of parse requests, in milliseconds, and its throughput."""

    name: str
    count: int
    p50_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    seconds: float
    per_second: float
    server_cpu_ms_per_message: float
    dense_gate_passed: float | None = None  # share of answers that the dense gate let through


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants that are alive now."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(parents.get(current, []))
    return tree


def memory(pid: int) -> dict[str, Any]:
    """Peak (VmHWM) and current (VmRSS) resident memory of the server's processes, in MiB."""
    rows = []
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rows.append(
            {
                "pid": member,
                "name": fields.get("Name", "").strip(),
                "peak_mib": int(fields["VmHWM"].split()[0]) / 1024,
                "rss_mib": int(fields["VmRSS"].split()[0]) / 1024,
            }
        )
    return {
        "processes": rows,
        "peak_mib": sum(r["peak_mib"] for r in rows),
        "rss_mib": sum(r["rss_mib"] for r in rows),
    }


def cpu_seconds(pid: int) -> float:
    """User and system CPU time used so far by the server's processes."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


async def parse(client: httpx.AsyncClient, text: str) -> tuple[float, dict[str, Any]]:
    """One POST /model/parse; returns its latency in milliseconds and the answer."""
    started = time.perf_counter()
    response = await client.post("/model/parse", json={"text": text})
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed, response.json()


def summarise(name: str, samples: list[float], seconds: float, cpu: float) -> Timing:
    cuts = statistics.quantiles(samples, n=100)
    return Timing(
        name=name,
        count=len(samples),
        p50_ms=cuts[49],
        p99_ms=cuts[98],
        mean_ms=statistics.fmean(samples),
        max_ms=max(samples),
        seconds=seconds,
        per_second=len(samples) / seconds,
        server_cpu_ms_per_message=cpu * 1000 / len(samples),
    )


async def one_at_a_time(
    client: httpx.AsyncClient, texts: list[str], count: int, pid: int
) -> tuple[Timing, list[dict[str, Any]]]:
    """Sends `count` messages one after another; also returns the answers of the first pass."""
    samples, answers, passed = [], [], []
    cpu, started = cpu_seconds(pid), time.perf_counter()
    for index in range(count):
        elapsed, answer = await parse(client, texts[index % len(texts)])
        samples.append(elapsed)
        passed.append(answer.get("dense_gate_passed"))
        if index < len(texts):
            answers.append(answer)
    seconds, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    timing = summarise("one at a time", samples, seconds, cpu)
    if any(p is not None for p in passed):
        timing = replace(timing, dense_gate_passed=sum(map(bool, passed)) / len(passed))
    return timing, answers


async def concurrently(
    client: httpx.AsyncClient, texts: list[str], count: int, clients: int, pid: int
) -> Timing:
    """Sends `count` messages from `clients` concurrent senders, each waiting for its answer."""
    samples: list[float] = []
    next_index = iter(range(count))

    async def sender() -> None:
        for index in next_index:
            elapsed, _ = await parse(client, texts[index % len(texts)])
            samples.append(elapsed)

    cpu, started = cpu_seconds(pid), time.perf_counter()
    await asyncio.gather(*(sender() for _ in range(clients)))
    seconds, cpu = time.perf_counter() - started, cpu_seconds(pid) - cpu
    return summarise(f"{clients} concurrent clients", samples, seconds, cpu)


def best_intent(answer: dict[str, Any]) -> tuple[str, float]:
    """The classifier's best intent and confidence, also when the fallback answered."""
    for item in answer.get("intent_ranking") or []:
        if item.get("name") != FALLBACK:
            return str(item["name"]), float(item["confidence"])
    return str(answer["intent"]["name"]), float(answer["intent"]["confidence"])


def quality(examples: list[tuple[str, str]], predicted: list[str]) -> dict[str, Any]:
    """Macro-F1, accuracy and fallbacks of predictions, fallback counted as a miss."""
    gold = [intent for _, intent in examples]
    scores = score(gold, predicted)
    return {
        "messages": len(examples),
        "macro_f1": macro_f1(scores),
        "accuracy": sum(p == g for p, g in zip(predicted, gold, strict=True)) / len(gold),
        "fallback": predicted.count(FALLBACK),
        "per_intent_f1": {s.intent: s.f1 for s in scores},
        "confusions": confusions(gold, predicted, top=8),
    }


def reliability(examples: list[tuple[str, str]], answers: list[dict[str, Any]]) -> list[dict]:
    """How often the best intent is right, per bin of its confidence [low, high)."""
    rows = []
    best = [best_intent(a) for a in answers]
    for low, high in zip(CONFIDENCE_BINS, CONFIDENCE_BINS[1:], strict=False):
        members = [
            intent == gold
            for (intent, confidence), (_, gold) in zip(best, examples, strict=True)
            if low <= confidence < high or (high == 1.0 and confidence == 1.0)
        ]
        rows.append(
            {
                "low": low,
                "high": high,
                "messages": len(members),
                "accuracy": sum(members) / len(members) if members else None,
            }
        )
    return rows


def at_threshold(examples: list[tuple[str, str]], answers: list[dict[str, Any]]) -> list[dict]:
    """For candidate thresholds of the bot: share of messages proposed, and their accuracy."""
    best = [best_intent(a) for a in answers]
    rows = []
    for threshold in (0.3, 0.4, 0.5, 0.55, 0.6, 0.7, 0.8):
        proposed = [
            intent == gold
            for (intent, confidence), (_, gold) in zip(best, examples, strict=True)
            if confidence >= threshold
        ]
        rows.append(
            {
                "threshold": threshold,
                "proposed": len(proposed) / len(examples),
                "accuracy": sum(proposed) / len(proposed) if proposed else None,
            }
        )
    return rows


def baseline(sets: list[Path], train: Path = PROJECT_DIR / "nlu") -> dict[str, Any]:
    """Runs nlu/baseline.py in the Rasa environment (it has scikit-learn)."""
    with tempfile.TemporaryDirectory(prefix="nlu-baseline-") as folder:
        output = Path(folder) / "baseline.json"
        command = [
            str(NluPaths().venv / "bin" / "python"),
            str(PROJECT_DIR / "nlu" / "baseline.py"),
            "--train", str(train), "--json", str(output), *map(str, sets),
        ]  # fmt: skip
        subprocess.run(command, cwd=PROJECT_DIR, env=rasa_env(), check=True)
        return json.loads(output.read_text(encoding="utf-8"))


async def score_sets(client: httpx.AsyncClient, sets: list[Path]) -> dict[str, Any]:
    """Each set parsed in full by the server and by the baseline, scored side by side."""
    base = baseline(sets)
    scored: dict[str, Any] = {"baseline_training_examples": base["training_examples"]}
    for path in sets:
        examples = load_examples(path)
        answers = [(await parse(client, text))[1] for text, _ in examples]
        scored[path.name] = {
            "production": quality(examples, [a["intent"]["name"] for a in answers]),
            "production_without_fallback": quality(examples, [best_intent(a)[0] for a in answers]),
            "baseline": quality(examples, [row["intent"] for row in base[path.name]]),
            "reliability": reliability(examples, answers),
            "thresholds": at_threshold(examples, answers),
        }
        if any("dense_gate_passed" in a for a in answers):
            passed = [bool(a.get("dense_gate_passed")) for a in answers]
            scored[path.name]["dense_gate_passed"] = sum(passed) / len(passed)
    return scored


def component_times(model: Path, sets: list[Path]) -> str:
    """nlu/component_timing.py's table: CPU per pipeline component, in one Rasa process."""
    command = [
        str(NluPaths().venv / "bin" / "python"),
        str(PROJECT_DIR / "nlu" / "component_timing.py"), str(model), *map(str, sets),
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=PROJECT_DIR, env=rasa_env(), check=True, capture_output=True, text=True
    )
    return "\ncomponents " + done.stdout


def obtain_model(train_into: Path | None, given: Path | None = None) -> tuple[Path, float | None]:
    """The production model and the seconds its training took (None when it was reused)."""
    if given is not None:
        return given.resolve(), None
    if train_into is None:
        paths = NluPaths()
        existed = model_file(paths).exists()
        started = time.monotonic()
        model = ensure_model(paths)
        return model, None if existed else time.monotonic() - started
    paths = NluPaths(models=train_into.resolve())
    if paths.models == NluPaths().models.resolve():
        raise SystemExit("--train-into must not be the project's models folder")
    model_file(paths).unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="nlu-bench-cache-") as cache:
        os.environ["RASA_CACHE_DIRECTORY"] = cache
        started = time.monotonic()
        try:
            model = ensure_model(paths)
        finally:
            del os.environ["RASA_CACHE_DIRECTORY"]
        return model, time.monotonic() - started


async def measure(server: NluServer, args: argparse.Namespace) -> dict[str, Any]:
    """Warms the server up, then runs the sequential and the concurrent load."""
    assert server.process is not None
    pid = server.process.pid
    texts = [text for path in args.sets for text, _ in load_examples(path)]
    limits = httpx.Limits(max_connections=args.clients, max_keepalive_connections=args.clients)
    async with httpx.AsyncClient(base_url=server.url, timeout=30.0, limits=limits) as client:
        idle = memory(pid)
        for text in texts[: args.warmup]:
            await parse(client, text)
        scored = None if args.latency else await score_sets(client, args.sets)
        sequential, _ = await one_at_a_time(client, texts, args.messages, pid)
        parallel = await concurrently(client, texts, args.messages, args.clients, pid)
    return {
        "timings": [asdict(sequential), asdict(parallel)],
        "quality": scored,
        "memory_after_start": idle,
        "memory_at_end": memory(pid),
    }


def machine() -> dict[str, Any]:
    meminfo = Path("/proc/meminfo").read_text().split()
    return {
        "cores": os.cpu_count(),
        "memory_gib": int(meminfo[meminfo.index("MemTotal:") + 1]) / 1024**2,
        "load_average": os.getloadavg()[0],
    }


def report(result: dict[str, Any]) -> None:
    """Prints the figures as a table."""
    trained = result["training_seconds"]
    how = "reused" if trained is None else f"trained in {trained:.0f} s"
    before, after = result["machine_before"], result["machine_after"]
    print(f"\nNLU server benchmark: {Path(result['model']).name} ({how})")
    print(
        f"machine: {before['cores']} cores, {before['memory_gib']:.1f} GiB; "
        f"1-min load average {before['load_average']:.2f} when the runs started, "
        f"{after['load_average']:.2f} when they ended"
    )
    print(f"server ready {result['startup_seconds']:.1f} s after start (model load)")
    print(
        f"  {'run':24} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'mean ms':>8} {'max ms':>8} "
        f"{'msg/s':>7} {'cpu ms/msg':>10}"
    )
    for t in result["timings"]:
        print(
            f"  {t['name']:24} {t['count']:>5} {t['p50_ms']:>8.1f} {t['p99_ms']:>8.1f} "
            f"{t['mean_ms']:>8.1f} {t['max_ms']:>8.1f} {t['per_second']:>7.1f} "
            f"{t['server_cpu_ms_per_message']:>10.1f}"
        )
        if t.get("dense_gate_passed") is not None:
            print(f"  {'':24} dense gate passed by {t['dense_gate_passed']:.1%} of these messages")
    idle, end = result["memory_after_start"], result["memory_at_end"]
    print(
        f"memory of the rasa process tree ({len(end['processes'])} process(es)): "
        f"peak {end['peak_mib']:.0f} MiB (VmHWM), now {end['rss_mib']:.0f} MiB (VmRSS), "
        f"{idle['rss_mib']:.0f} MiB right after start"
    )
    if result["quality"] is not None:
        report_quality(result["quality"])
    if result.get("components"):
        print(result["components"], end="")


def report_quality(scored: dict[str, Any]) -> None:
    """Production beside the baseline per set, then reliability and thresholds."""
    sets = [name for name in scored if name.endswith(".yml")]
    print(f"\nquality (baseline trained on {scored['baseline_training_examples']} examples)")
    print(f"  {'set':14} {'model':28} {'n':>4} {'macro-F1':>9} {'accuracy':>9} {'fallback':>9}")
    for name in sets:
        for model in ("production", "production_without_fallback", "baseline"):
            q = scored[name][model]
            print(
                f"  {name:14} {model:28} {q['messages']:>4} {q['macro_f1']:>9.3f} "
                f"{q['accuracy']:>9.3f} {q['fallback']:>9}"
            )
        if "dense_gate_passed" in scored[name]:
            print(f"  {name:14} dense gate passed by {scored[name]['dense_gate_passed']:.1%}")
    for name in sets:
        production, base = scored[name]["production"], scored[name]["baseline"]
        print(f"\n{name}: per-intent F1, production / baseline")
        for intent, f1 in production["per_intent_f1"].items():
            print(f"  {intent:20} {f1:5.2f} / {base['per_intent_f1'].get(intent, 0.0):5.2f}")
        print("  most confused by production (gold -> predicted: count):")
        for gold, predicted, count in production["confusions"]:
            print(f"    {gold} -> {predicted}: {count}")
        print(f"{name}: reliability of the best intent's confidence")
        for row in scored[name]["reliability"]:
            accuracy = "-" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
            print(
                f"  [{row['low']:.1f}, {row['high']:.1f}) n={row['messages']:>4} right {accuracy}"
            )
        print(f"{name}: messages at or above a confidence threshold")
        for row in scored[name]["thresholds"]:
            accuracy = "-" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
            print(
                f"  >= {row['threshold']:.2f}: {row['proposed']:.1%} of messages, right {accuracy}"
            )


def main() -> None:
    """Parses the options, gets the model, serves it and measures it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000, help="messages per run")
    parser.add_argument("--clients", type=int, default=8, help="senders in the concurrent run")
    parser.add_argument("--warmup", type=int, default=20, help="untimed messages first")
    parser.add_argument(
        "--sets",
        type=Path,
        nargs="+",
        default=[DEVELOPMENT_FILE, DEVELOPMENT2_FILE, DEVELOPMENT3_FILE, EVALUATION_FILE],
        help="labelled sets to score and whose texts to send",
    )
    parser.add_argument("--train-into", type=Path, help="train afresh into this models folder")
    parser.add_argument("--model", type=Path, help="serve this model file, as it is")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument(
        "--latency", action="store_true", help="timings, memory and components only, no scores"
    )
    parser.add_argument(
        "--components", action="store_true", help="also CPU time per pipeline component"
    )
    args = parser.parse_args()
    if args.messages < 100 or args.clients < 1:
        parser.error("--messages must be at least 100 and --clients at least 1")

    if args.model is not None and args.train_into is not None:
        parser.error("--model and --train-into exclude each other")
    model, training_seconds = obtain_model(args.train_into, args.model)
    with tempfile.TemporaryDirectory(prefix="nlu-bench-") as folder:
        server = NluServer(model, free_port(), log_file=Path(folder) / "rasa.log")
        started = time.monotonic()
        server.start()
        try:
            server.wait_ready()
            startup_seconds = time.monotonic() - started
            machine_before = machine()
            measured = asyncio.run(measure(server, args))
        except NluSetupError:
            print((Path(folder) / "rasa.log").read_text(errors="replace")[-3000:])
            raise
        finally:
            server.stop()
    result = {
        "model": str(model),
        "training_seconds": training_seconds,
        "startup_seconds": startup_seconds,
        "machine_before": machine_before,
        "machine_after": machine(),
        **measured,
    }
    if args.components:
        result["components"] = component_times(model, args.sets)
    report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
