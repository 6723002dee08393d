"""What the model's answer says about a complaint: its first guess, a short list when it is
unsure, and the details (platform, order, shop, outcome) the description already gives.

A ranking is *informative* when its three best complaint categories together hold at least
`min_mass` of the confidence: the model cannot tell them apart, but it can tell them from the
other nine, so three buttons ask less than twelve. `nlu_fallback` and the conversation intents
(greet, faq...) are never categories and are left out of the short list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.nlu import NluResult
from bot.services.intake_draft import (
    COMPLAINT_CATEGORIES,
    MAX_SHOP,
    OUTCOMES,
    PLATFORMS,
    clean_order_number,
)

SHORTLIST_SIZE = 3
MIN_SHOP_CHARS = 2
# Platform names a shop entity may start with ("京东美的旗舰店"): the platform is not the shop.
_PLATFORM_PREFIX = re.compile(
    r"^(?:天猫国际|天猫國際|天貓國際|手机淘宝|淘宝网|淘宝|淘寶|天猫|天貓|小红书|小紅書|京东自营|京东|"
    r"京東|拼多多|拼夕夕|抖音|微博|微信|taobao|tmall|jd|pinduoduo|pdd|douyin|weibo|wechat)"
    r"[\s的上里]*",
    re.IGNORECASE,
)
_SHOP_SUFFIX = re.compile(
    r"\s*(?:官方旗舰店|旗舰店|旗艦店|专卖店|專賣店|专营店|專營店|官方店|直营店|自营店|小店|店铺|店|"
    r"(?:(?:official|flagship) )?(?:store|shop))$",
    re.IGNORECASE,
)
_NOT_A_NAME = frozenset({
    "官方", "这家", "那家", "一家", "某家", "他家", "自营", "网上",
    "the", "a", "an", "this", "that", "my", "their", "official", "flagship", "online", "global",
    "local", "chinese", "same",
})  # fmt: skip
_QUOTES = " \t\"'“”‘’「」『』《》【】()（）,，.。:：;；!！?？"


@dataclass(frozen=True, slots=True)
class Details:
    """What the description already answers; None where it says nothing (usable)."""

    platform: str | None = None
    order_number: str | None = None
    shop: str | None = None
    outcome: str | None = None


def ranked_categories(nlu: NluResult) -> list[tuple[str, float]]:
    """The complaint categories of the ranking, best first (the intent alone without one)."""
    ranking = [(s.name, s.confidence) for s in nlu.ranking if s.name in COMPLAINT_CATEGORIES]
    if not ranking and nlu.intent in COMPLAINT_CATEGORIES:
        ranking = [(nlu.intent, nlu.confidence)]
    return sorted(ranking, key=lambda item: -item[1])


def first_guess(nlu: NluResult) -> tuple[str, float] | None:
    """The complaint category the model ranks first, with its confidence; None without one."""
    ranked = ranked_categories(nlu)
    return ranked[0] if ranked else None


def shortlist(nlu: NluResult, min_mass: float) -> tuple[str, ...]:
    """The three categories to offer as buttons, or () when the ranking is not informative."""
    best = ranked_categories(nlu)[:SHORTLIST_SIZE]
    if len(best) < SHORTLIST_SIZE or sum(c for _, c in best) < min_mass:
        return ()
    return tuple(name for name, _ in best)


def details(nlu: NluResult) -> Details:
    """The entities of the description the intake can use, cleaned; the rest is dropped."""
    platform, outcome = nlu.entities.get("platform"), nlu.entities.get("outcome")
    order, shop = nlu.entities.get("order_id"), nlu.entities.get("shop")
    return Details(
        platform=platform if platform in PLATFORMS else None,
        order_number=clean_order_number(order) if order else None,
        shop=clean_shop(shop) if shop else None,
        outcome=outcome if outcome in OUTCOMES else None,
    )


def clean_shop(text: str) -> str | None:
    """The shop's name as the description wrote it, without a platform in front or quotes
    around; None when no name is left (only "官方旗舰店", "the store"), or too long a one."""
    name = _PLATFORM_PREFIX.sub("", text.strip(_QUOTES)).lstrip("的").strip(_QUOTES)
    core = _SHOP_SUFFIX.sub("", name).strip()
    if len(core) < MIN_SHOP_CHARS or core.lower() in _NOT_A_NAME or len(name) > MAX_SHOP:
        return None
    return name
