"""The trained model on the held-out sets, through the real server.

Thresholds sit a few points below what was measured (docs/nlu.md): the three development sets,
written apart from the training data in the way buyers write (the second one harder, the third
in the mix of the outside evaluation the issue describes), and the older evaluation set.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.nlu import NluClient, NluResult
from bot.settings import Settings
from tests.nlu.scoring import confusions, load_examples, macro_f1, report, score

DATA = Path(__file__).parent.parent / "data"
EVALUATION_FILE = DATA / "nlu_eval.yml"
DEVELOPMENT_FILE = DATA / "nlu_dev.yml"
DEVELOPMENT2_FILE = DATA / "nlu_dev2.yml"
DEVELOPMENT3_FILE = DATA / "nlu_dev3.yml"
HELD_OUT = [  # (file, fewest messages, lowest macro-F1 accepted)
    (DEVELOPMENT_FILE, 400, 0.94),  # measured 0.971 (517 messages)
    (DEVELOPMENT2_FILE, 400, 0.91),  # measured 0.954 (467 messages)
    (DEVELOPMENT3_FILE, 400, 0.91),  # measured 0.958 (456 messages)
    (EVALUATION_FILE, 120, 0.95),  # measured 0.995 (149 messages)
]


@pytest.mark.parametrize(("path", "size", "min_macro_f1"), HELD_OUT, ids=lambda v: str(v))
async def test_macro_f1_on_held_out_messages(
    nlu_client: NluClient, capsys, path: Path, size: int, min_macro_f1: float
) -> None:
    examples = load_examples(path)
    assert len(examples) >= size
    limit = asyncio.Semaphore(8)  # the server parses one at a time: no queue past the timeout

    async def parse(text: str) -> NluResult | object:
        async with limit:
            return await nlu_client.parse(text)

    results = await asyncio.gather(*(parse(text) for text, _ in examples))
    assert all(isinstance(r, NluResult) for r in results)
    gold = [intent for _, intent in examples]
    predicted = [r.intent for r in results if isinstance(r, NluResult)]
    scores = score(gold, predicted)
    with capsys.disabled():
        print(f"\nNLU evaluation on {path.name} ({len(examples)} messages, fallback = miss)")
        print(report(scores, confusions(gold, predicted)))
    assert macro_f1(scores) >= min_macro_f1


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "我在淘宝的数码旗舰店买了一个蓝牙音箱，订单号4012345678901234567，"
            "收到的时候外壳就是裂的，一开机就有杂音，我要求退款",
            "product_quality",
        ),
        ("收到的杯子碎了", "product_quality"),
        ("The parcel says delivered but I never got it", "delivery"),
        ("店家卖的是假货，专柜验了不是正品", "counterfeit"),
    ],
)
async def test_a_clear_complaint_is_proposed_not_listed(
    nlu_client: NluClient, text: str, intent: str
) -> None:
    """The bot proposes the category when the confidence reaches its threshold."""
    threshold = Settings.model_fields["nlu_confidence_threshold"].default
    result = await nlu_client.parse(text)
    assert isinstance(result, NluResult) and result.intent == intent
    assert result.confidence >= threshold


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("收到的面膜已经过期了,用了脸上起疹子", "product_quality"),
        ("The courier says delivered but nothing arrived at my door", "delivery"),
        ("专柜验货说我买的包是假的,防伪码也查不到", "counterfeit"),
        ("我的投诉现在处理到哪一步了?", "check_status"),
    ],
)
async def test_messages_land_in_their_category(nlu_client: NluClient, text, intent) -> None:
    result = await nlu_client.parse(text)
    assert isinstance(result, NluResult) and result.intent == intent


@pytest.mark.parametrize(
    ("text", "platform"),
    [
        ("天猫国际买的奶粉关税扣了两次", "tmall_global"),
        ("在天猫买的鞋开胶了", "tmall"),
        ("Bought it on Pinduoduo and it never shipped", "pinduoduo"),
        ("小红书上的博主卖假货", "xiaohongshu"),
    ],
)
async def test_platform_is_normalised(nlu_client: NluClient, text, platform) -> None:
    result = await nlu_client.parse(text)
    assert isinstance(result, NluResult) and result.entities.get("platform") == platform


async def test_order_and_ticket_numbers_are_extracted(nlu_client: NluClient) -> None:
    order = await nlu_client.parse("订单号4012345678901234567,京东的,到现在没发货")
    assert isinstance(order, NluResult)
    assert order.entities.get("order_id") == "4012345678901234567"
    assert order.entities.get("platform") == "jd"
    ticket = await nlu_client.parse("TS-20261121-0042 有进展了吗")
    assert isinstance(ticket, NluResult) and ticket.entities.get("ticket_id") == "TS-20261121-0042"
    phone = await nlu_client.parse("my phone is 13812345678, the parcel is lost")
    assert isinstance(phone, NluResult) and "order_id" not in phone.entities


async def test_an_english_word_containing_a_platform_name_is_no_platform(nlu_client) -> None:
    result = await nlu_client.parse("I ordered a red dress and got a tired looking blue one")
    assert isinstance(result, NluResult) and "platform" not in result.entities


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [("你好", "zh", "您好"), ("hello", "en", "Hello"), ("投诉一般多久能处理完?", "zh", "24")],
)
async def test_rasa_answers_small_talk_and_faq_in_the_language(
    nlu_client: NluClient, text, language, expected
) -> None:
    replies = await nlu_client.reply(f"test-{language}-{text}", text, language)
    assert isinstance(replies, list) and replies
    assert expected in " ".join(replies)


async def test_faq_question_names_its_answer_key(nlu_client: NluClient) -> None:
    result = await nlu_client.parse("What kind of evidence should I collect for my complaint?")
    assert isinstance(result, NluResult)
    assert result.intent == "faq" and result.faq_key == "faq/evidence"
