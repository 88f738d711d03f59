"""`ledger token list` and `ledger token revoke ID` (create lives in cli.py)."""

from __future__ import annotations

import unicodedata
from datetime import datetime

import click

from ledger.domain.errors import NotFound
from ledger.tokens import TokenRecord, Tokens

HEADINGS = ("id", "role", "name", "agency", "created", "expires", "last used", "state")


def when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def width(text: str) -> int:
    """Columns a terminal gives the text (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(width(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell + " " * (w - width(cell)) for cell, w in zip(row, widths))
                     .rstrip() for row in rows)


def row_of(record: TokenRecord) -> tuple[str, ...]:
    p = record.principal
    return (record.id, p.role, p.name, p.agency or "-", when(record.created_at),
            when(record.expires_at), when(record.last_used_at), record.state())


def _tokens():
    from ledger.application import Ledger

    ledger = Ledger()
    return ledger, Tokens(ledger.engine)


@click.command("list")
def list_tokens() -> None:
    """Every token: id, role, name, agency, created, expiry, last use (UTC), state.

    Never the token or its hash. Last use is noted at most once a minute.
    """
    ledger, tokens = _tokens()
    try:
        records = tokens.list()
    finally:
        ledger.close()
    if not records:
        click.echo("no tokens; create one with `ledger token create`")
        return
    click.echo(table([HEADINGS, *(row_of(r) for r in records)]))


@click.command("revoke")
@click.argument("token_id")
def revoke_token(token_id: str) -> None:
    """End the token TOKEN_ID at once (API and pages); exits 1 when no token has that id."""
    ledger, tokens = _tokens()
    try:
        record = tokens.revoke(token_id.strip())
    except NotFound as error:
        raise click.ClickException(error.message) from None
    finally:
        ledger.close()
    p = record.principal
    click.echo(f"revoked token {record.id} ({p.role} {p.name}) at {when(record.revoked_at)} UTC")


def add_token_commands(group: click.Group) -> None:
    group.add_command(list_tokens)
    group.add_command(revoke_token)
