"""Confirmed and corrected descriptions as a Rasa NLU file: masked, new, and loadable."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import yaml

from bot.services.corrections import CorrectionService, LabelledDescription
from bot.services.people import PeopleService
from bot.services.tickets import TicketService
from bot.services.training_export import (
    NearDuplicates,
    example_line,
    render_yaml,
    select_examples,
    training_lines,
)
from storage.db import create_engine, create_session_factory
from storage.lifecycle import TicketStatus
from storage.migrate import upgrade_database_sync
from tests.nlu.scoring import load_examples

PROJECT = Path(__file__).resolve().parents[2]


def labelled(category: str, text: str, corrected: bool = True) -> LabelledDescription:
    return LabelledDescription("TS-20261121-0001", category, text, corrected)


def test_a_line_is_masked_on_one_line_without_entity_markup() -> None:
    line = example_line(
        "订单4012345678901234567的快递员\n打我电话13812345678,身份证110101199003071234\n"
        "  [骂人](privacy) 还说 [投诉]{x}"
    )
    assert "\n" not in line and "4012345678901234567" not in line
    assert "40***************67" in line and "138****5678" in line
    assert "110101********1234" in line
    assert "[骂人](privacy)" not in line and "［骂人］(privacy)" in line
    assert "［投诉］{x}" in line


def test_lines_close_to_the_training_data_are_left_out() -> None:
    existing = training_lines(PROJECT / "nlu")
    assert len(existing) > 1000
    first = existing[0]
    near = NearDuplicates(existing)
    assert near.match(first + "!!") is not None  # punctuation and width do not matter
    assert near.match(first.upper()) is not None
    assert near.match("我在一家卖二手相机的店买了镜头,镜片里面有霉斑,老板说是灰") is None


def test_export_keeps_new_lines_once_and_counts_the_rest() -> None:
    existing = ["快递三天了还没到"]
    export = select_examples(
        [
            labelled("delivery", "快递三天了还没到!"),  # in the training data already
            labelled("customer_service", "客服把我拉黑了,消息都发不出去,订单4012345678901234567"),
            labelled("customer_service", "客服把我拉黑了,消息都发不出去,订单4012345678901234568"),
            labelled("product_quality", "The kettle leaks from the bottom seam", corrected=False),
            labelled("product_quality", "13812345678"),  # nothing left but a number
        ],
        existing,
        0.9,
    )
    assert export.examples == {
        "customer_service": ["客服把我拉黑了,消息都发不出去,订单40***************67"],
        "product_quality": ["The kettle leaks from the bottom seam"],
    }
    assert (export.corrected, export.confirmed, export.left_out) == (1, 1, 3)


def test_the_file_is_rasa_nlu_yaml(tmp_path: Path) -> None:
    export = select_examples(
        [labelled("billing", "扣了两次钱: 一次 99 元 - 一次 # 99 元"), labelled("account", "封号")],
        [],
        0.9,
    )
    path = tmp_path / "export.yml"
    path.write_text(render_yaml(export, "header line\n\nsecond"), encoding="utf-8")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["version"] == "3.1"
    assert [item["intent"] for item in data["nlu"]] == ["account", "billing"]
    assert load_examples(path) == [
        ("封号", "account"),
        ("扣了两次钱: 一次 99 元 - 一次 # 99 元", "billing"),
    ]
    assert path.read_text(encoding="utf-8").startswith("# header line\n#\n# second\n")


async def seed(url: str) -> None:
    engine = create_engine(url)
    try:
        sessions = create_session_factory(engine)
        await PeopleService(sessions).get_or_create(1001, "Li Wei", "zh")
        tickets = TicketService(sessions)
        corrections = CorrectionService(sessions, tickets._clock)
        moved = await tickets.file_ticket(
            1001, category="delivery", description="客服说我的退款要等三十天,电话13812345678"
        )
        await corrections.change_category(moved.number, "refund_return", 2001, expected="delivery")
        decided = await tickets.file_ticket(1001, category="counterfeit", description="专柜说假")
        for status in (TicketStatus.ACCEPTED, TicketStatus.INVESTIGATING, TicketStatus.RESOLVED):
            await tickets.change_status(decided.number, status, 2001)
        await tickets.file_ticket(1001, category="billing", description="还没处理的")
    finally:
        await engine.dispose()


def test_the_command_writes_the_file_for_review(tmp_path: Path) -> None:
    database = tmp_path / "desk.sqlite3"
    url = f"sqlite+aiosqlite:///{database}"
    upgrade_database_sync(url)
    asyncio.run(seed(url))
    out = tmp_path / "corrections.yml"
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export-training-data", "--out", str(out)],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        cwd=PROJECT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Wrote 2 example(s)" in done.stdout and "1 corrected, 1 confirmed" in done.stdout
    assert sorted(load_examples(out)) == [
        ("专柜说假", "counterfeit"),
        ("客服说我的退款要等三十天,电话138****5678", "refund_return"),
    ]
    refused = subprocess.run(
        [sys.executable, "-m", "bot.cli", "export-training-data", "--out", str(out),
         "--training-data", str(tmp_path / "nowhere")],
        capture_output=True, text=True, env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        cwd=PROJECT, check=False,
    )  # fmt: skip
    assert refused.returncode == 2 and "is not a folder of training data" in refused.stderr
