"""Button data round-trips, and anything foreign or oversized is rejected."""

import pytest

from bot.callback_data import ButtonData, decode


def test_round_trip() -> None:
    data = ButtonData("cat", "product_quality", "a1b2c3d4")
    assert decode(data.encode()) == data
    assert decode(ButtonData("menu", "new").encode()) == ButtonData("menu", "new")


@pytest.mark.parametrize("raw", [None, "", "|x|y", "a|b|c|d", "x" * 65])
def test_foreign_data_is_rejected(raw) -> None:
    assert decode(raw) is None


def test_data_over_telegram_limit_cannot_be_built() -> None:
    with pytest.raises(ValueError):
        ButtonData("cat", "x" * 70).encode()
    with pytest.raises(ValueError):
        ButtonData("cat", "a|b").encode()
