"""Reading the model's answer: entities in text order, shop names cleaned, the short list."""

from __future__ import annotations

import pytest

from bot.nlu import IntentScore, NluResult, parse_result
from bot.services.understanding import clean_shop, details, first_guess, shortlist


def test_each_entity_is_the_one_the_text_mentions_first_the_outcome_last() -> None:
    payload = {
        "intent": {"name": "refund_return", "confidence": 0.8},
        "entities": [  # Rasa lists them pattern by pattern, not in text order
            {"entity": "outcome", "value": "return_or_exchange", "start": 9, "end": 11},
            {"entity": "platform", "value": "jd", "start": 14, "end": 16},
            {"entity": "outcome", "value": "refund", "start": 2, "end": 4},
            {"entity": "platform", "value": "taobao", "start": 0, "end": 2},
        ],
    }
    assert parse_result(payload).entities == {
        "outcome": "return_or_exchange",  # what the buyer asks for comes after the story
        "platform": "taobao",
    }


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("美的旗舰店", "美的旗舰店"),
        ("京东美的旗舰店", "美的旗舰店"),
        ("天猫的美的官方旗舰店", "美的官方旗舰店"),
        ("“花花小店”", "花花小店"),
        ("Anker Official Store", "Anker Official Store"),
        ("Happy Home", "Happy Home"),
        ("小店", None),
        ("抖音小店", None),
        ("官方旗舰店", None),
        ("the store", None),
        ("Global store", None),
        ("店" * 120, None),
    ],
)
def test_a_shop_entity_keeps_only_a_name(written: str, name: str | None) -> None:
    assert clean_shop(written) == name


def test_details_drop_what_the_intake_cannot_use() -> None:
    nlu = NluResult(
        "delivery",
        0.9,
        entities={"platform": "ebay", "order_id": "4012345678901234567", "outcome": "apology"},
    )
    found = details(nlu)
    assert (found.platform, found.order_number, found.shop, found.outcome) == (
        None,
        "4012345678901234567",
        None,
        "apology",
    )


def test_the_first_guess_skips_fallback_and_conversation_intents() -> None:
    ranking = (IntentScore("nlu_fallback", 0.3), IntentScore("faq", 0.28))
    ranking += (IntentScore("billing", 0.25), IntentScore("account", 0.2))
    nlu = NluResult("nlu_fallback", 0.3, ranking)
    assert first_guess(nlu) == ("billing", 0.25)
    assert first_guess(NluResult("greet", 0.99)) is None
    assert first_guess(NluResult("delivery", 0.4)) == ("delivery", 0.4)


def test_the_shortlist_is_the_best_three_when_they_hold_enough() -> None:
    scores = [("privacy", 0.1), ("account", 0.3), ("billing", 0.25), ("platform_bug", 0.2)]
    ranking = tuple(IntentScore(name, c) for name, c in scores)
    nlu = NluResult("account", 0.3, ranking)
    assert shortlist(nlu, 0.75) == ("account", "billing", "platform_bug")
    assert shortlist(nlu, 0.76) == ()
