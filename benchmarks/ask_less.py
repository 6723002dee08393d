"""How often the intake proposes one category, offers three, or lists twelve, and whether the
right category is among what the buyer is shown: the complaint messages of an evaluation file
through the real NLU server and the bot's own rules (bot.services.understanding).

    .venv/bin/python benchmarks/ask_less.py [tests/data/nlu_eval.yml]
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path

import yaml

from bot.nlu import NluClient, NluResult
from bot.nlu_model import NluServer, ensure_model, free_port
from bot.services.intake_draft import COMPLAINT_CATEGORIES
from bot.services.understanding import shortlist
from bot.settings import Settings


def complaints(path: Path) -> list[tuple[str, str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        (line.strip()[2:], block["intent"])
        for block in data["nlu"]
        if block.get("intent") in COMPLAINT_CATEGORIES
        for line in block["examples"].splitlines()
        if line.strip().startswith("- ")
    ]


async def measure(url: str, examples: list[tuple[str, str]], settings: Settings) -> None:
    client = NluClient(url, timeout=10)
    shown, right = Counter(), Counter()
    try:
        for text, gold in examples:
            result = await client.parse(text)
            assert isinstance(result, NluResult)
            if (
                result.intent in COMPLAINT_CATEGORIES
                and result.confidence >= settings.nlu_confidence_threshold
            ):
                kind, offered = "proposed", (result.intent,)
            elif short := shortlist(result, settings.nlu_shortlist_min_confidence):
                kind, offered = "three", short
            else:
                kind, offered = "list", COMPLAINT_CATEGORIES
            shown[kind] += 1
            right[kind] += gold in offered
    finally:
        await client.aclose()
    total = sum(shown.values())
    print(
        f"{total} complaint messages; threshold {settings.nlu_confidence_threshold}, "
        f"short list from {settings.nlu_shortlist_min_confidence}"
    )
    for kind in ("proposed", "three", "list"):
        print(
            f"  {kind:9} {shown[kind]:4} ({100 * shown[kind] / total:4.1f}%), "
            f"right category among them: {right[kind]}"
        )


def main() -> None:
    path = Path(sys.argv[1] if len(sys.argv) > 1 else "tests/data/nlu_eval.yml")
    server = NluServer(ensure_model(), free_port(), log_file=Path("/tmp/ask_less_rasa.log"))
    server.start()
    try:
        server.wait_ready()
        asyncio.run(measure(server.url, complaints(path), Settings()))
    finally:
        server.stop()


if __name__ == "__main__":
    main()
