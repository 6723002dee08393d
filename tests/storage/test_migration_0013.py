"""Migration 0013: the service's notices stored as HTML before the defect-1 fix become the
plain text the buyer read; nobody's own words change."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from bot.services.tickets import TicketService
from storage.db import create_engine, create_session_factory
from storage.migrate import upgrade_database
from tests.storage.old_rows import buyer_with_a_ticket

NOW = datetime(2026, 11, 21, 2, tzinfo=UTC)
OLD_NOTICE = (
    "您的投诉 <code>TS-20261121-0001</code> 状态更新:<b>处理中</b>\n店铺 &lt;小米&gt; 已回复"
)
BUYER_WORDS = "我写的 <b>不是标签</b> &amp; 也不是实体"


async def test_old_html_notices_become_plain_text(empty_database_url) -> None:
    await upgrade_database(empty_database_url, "0012")
    engine = create_engine(empty_database_url)
    try:
        async with engine.begin() as connection:
            await buyer_with_a_ticket(connection, NOW)
            for row_id, kind, words in ((1, "agent", BUYER_WORDS), (2, "buyer", BUYER_WORDS),
                                        (3, "system", OLD_NOTICE)):  # fmt: skip
                await connection.execute(
                    text("INSERT INTO ticket_messages (id, ticket_id, author_kind, author_id,"
                         " text, created_at) VALUES (:id, 1, :kind, 7, :text, :now)"),
                    {"id": row_id, "kind": kind, "text": words, "now": NOW},
                )  # fmt: skip
        await upgrade_database(empty_database_url)

        async with engine.connect() as connection:
            stored = dict(
                (await connection.execute(text("SELECT id, text FROM ticket_messages"))).all()
            )
        assert stored[3] == "您的投诉 TS-20261121-0001 状态更新:处理中\n店铺 <小米> 已回复"
        assert stored[1] == stored[2] == BUYER_WORDS
        tickets = TicketService(create_session_factory(engine), clock=lambda: NOW)
        latest = await tickets.latest_public_text(1)
        assert latest == stored[3]  # what /status shows as the latest news
    finally:
        await engine.dispose()
