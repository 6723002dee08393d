"""The /stats section on the model's first guess, in Chinese and English."""

from __future__ import annotations

from bot.services.stats import FirstGuesses
from bot.views.stats import render_first_guesses

FIGURES = FirstGuesses(30, 7, 10, (("delivery", 5, 6), ("billing", 2, 3), ("legacy_code", 0, 1)))


def test_the_section_in_chinese() -> None:
    text = render_first_guesses(FIGURES, "zh")
    assert text.splitlines() == [
        "<b>模型首选类别</b>(近 30 天,10 件有模型判断):保留 70%(7/10)",
        "• 物流 / 未收到货 83%(5/6)",
        "• 扣款 / 价格 / 关税 67%(2/3)",
        "• legacy_code 0%(0/1)",  # a category no longer in the taxonomy keeps its code
    ]


def test_the_section_in_english() -> None:
    text = render_first_guesses(FIGURES, "en")
    assert text.splitlines()[:2] == [
        "<b>Model's first guess</b> (last 30 days, 10 ticket(s) with one): kept 70% (7/10)",
        "• Delivery 83% (5/6)",
    ]


def test_no_guess_in_the_window() -> None:
    assert render_first_guesses(FirstGuesses(30, 0, 0, ()), "en") == (
        "<b>Model's first guess</b>: no ticket of the last 30 days had one."
    )
