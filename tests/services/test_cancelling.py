"""Which typed answers mean "cancel"."""

from __future__ import annotations

import pytest

from bot.nlu import NluResult, NluUnavailable
from bot.services.cancelling import asks_to_cancel, is_cancel

DOWN = NluUnavailable("down")


@pytest.mark.parametrize("text", ["取消", " 算了! ", "Cancel.", "STOP", "「放弃」"])
def test_the_cancel_words_need_no_model(text: str) -> None:
    assert is_cancel(text, DOWN)


def test_the_models_cancel_intent_counts_only_when_confident_and_short() -> None:
    assert is_cancel("我不想提交了", NluResult("cancel", 0.9))
    assert not is_cancel("我不想提交了", NluResult("cancel", 0.5))
    assert not is_cancel("我不想提交了", NluResult("product_quality", 0.9))
    long = "商家让我取消订单再重新下单,可是取消以后钱一直没有退回来"
    assert not is_cancel(long, NluResult("cancel", 0.99))


async def test_only_short_texts_are_sent_to_the_model() -> None:
    asked: list[str] = []

    async def parse(text: str):
        asked.append(text)
        return NluResult("cancel", 0.95)

    assert await asks_to_cancel("不弄了", parse)
    assert not await asks_to_cancel("杯子碎了," * 10, parse)
    assert await asks_to_cancel("取消", parse)
    assert asked == ["不弄了"]
