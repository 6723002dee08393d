"""The outcome and the shop as the trained model extracts them, through the real server and
the bot's own reading of the entities (bot.services.understanding.details)."""

from __future__ import annotations

import pytest

from bot.nlu import NluClient, NluResult
from bot.services.understanding import details

pytestmark = pytest.mark.nlu


@pytest.mark.parametrize(
    ("text", "outcome"),
    [
        ("京东买的电水壶三天就不加热了,我要退款", "refund"),
        ("发来的衣服全是线头,麻烦把钱退给我,退全款", "refund"),
        ("鞋子尺码发错了,希望换货", "return_or_exchange"),
        ("不要退款,只要换一个新的", "return_or_exchange"),
        ("卖假货,要求假一赔十", "compensation"),
        ("快递把东西摔坏了,必须赔偿", "compensation"),
        ("客服骂人,我要他们道歉", "apology"),
        ("The blender died on day two, I want a full refund", "refund"),
        ("Wrong colour again. Just give me my money back", "refund"),
        ("The screen is cracked, please replace it", "return_or_exchange"),
        ("They sold me a fake bag and I expect compensation", "compensation"),
        ("The agent insulted me and I want an apology", "apology"),
    ],
)
async def test_the_outcome_is_normalised_to_the_intakes_values(
    nlu_client: NluClient, text: str, outcome: str
) -> None:
    result = await nlu_client.parse(text)
    assert isinstance(result, NluResult) and details(result).outcome == outcome


@pytest.mark.parametrize(
    "text",
    [
        "商家已经退款了,但是少退了二十块",  # news, not a wish
        "The exchange rate on the bill was wrong",
        "快递三天了还没到",
    ],
)
async def test_no_outcome_where_none_is_asked_for(nlu_client: NluClient, text: str) -> None:
    result = await nlu_client.parse(text)
    assert isinstance(result, NluResult) and details(result).outcome is None


@pytest.mark.parametrize(
    ("text", "shop"),
    [
        ("在京东美的官方旗舰店买的空调不制冷", "美的官方旗舰店"),
        ("拼多多上的优品百货专营店发错货了", "优品百货专营店"),
        ("我在淘宝一家叫花花小店的店买的裙子掉色", "花花小店"),
        ("店铺叫「优品生活馆」,客服一直不回", "优品生活馆"),
        ("I bought it from a shop called Happy Home on Taobao and it broke", "Happy Home"),
        ("The Anker Official Store on JD sent me a swollen power bank", "Anker Official Store"),
        ("Xiaomi store never shipped my order", "Xiaomi store"),
    ],
)
async def test_the_shop_is_extracted_without_the_platform(
    nlu_client: NluClient, text: str, shop: str
) -> None:
    result = await nlu_client.parse(text)
    assert isinstance(result, NluResult) and details(result).shop == shop


@pytest.mark.parametrize(
    "text",
    ["在抖音小店买的面膜过敏了", "这家旗舰店太坑了", "I shop at Taobao a lot, this is the worst"],
)
async def test_no_shop_without_a_name(nlu_client: NluClient, text: str) -> None:
    result = await nlu_client.parse(text)
    assert isinstance(result, NluResult) and details(result).shop is None


async def test_one_description_fills_every_detail(nlu_client: NluClient) -> None:
    result = await nlu_client.parse(
        "在天猫小米官方旗舰店买的扫地机器人,订单号4012345678901234567,用了两天就坏了,要求退货"
    )
    assert isinstance(result, NluResult)
    found = details(result)
    assert (found.platform, found.order_number, found.shop, found.outcome) == (
        "tmall",
        "4012345678901234567",
        "小米官方旗舰店",
        "return_or_exchange",
    )
