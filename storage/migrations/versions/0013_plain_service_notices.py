"""The service's notices kept before 0.2 as HTML become the plain text the buyer read.

Since the defect-1 fix the bot stores what it told a buyer (status changes, decisions, SLA
notices: `author_kind = 'system'`) as plain text, escaped once when shown again. Rows written
before kept the message's HTML, so `/status` showed their tags. This rewrites those rows only:
system messages whose text holds one of the tags the bot's texts use. A buyer's or an agent's
words are never touched.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import unescape

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tags of the bot's own texts; every value a person wrote was escaped inside them.
_OUR_TAGS = re.compile(r"</?(?:b|i|u|s|code|pre|a)(?:\s[^>]*)?>")
_ANY_TAG = re.compile(r"<[^>]*>")
_messages = sa.table(
    "ticket_messages",
    sa.column("id", sa.Integer),
    sa.column("author_kind", sa.String),
    sa.column("text", sa.Text),
)


def plain(html: str) -> str:
    """What the buyer read of the stored HTML (as bot/views/reply.py's plain_text)."""
    return unescape(_ANY_TAG.sub("", html)).strip()


def upgrade() -> None:
    """Applies this revision."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(_messages.c.id, _messages.c.text).where(
            _messages.c.author_kind == "system", _messages.c.text.like("%<%>%")
        )
    ).all()
    for row_id, text in rows:
        if _OUR_TAGS.search(text):
            connection.execute(
                sa.update(_messages).where(_messages.c.id == row_id).values(text=plain(text))
            )


def downgrade() -> None:
    """Nothing to revert: plain text is what every later revision expects."""
