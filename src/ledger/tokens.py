"""Bearer tokens: printed once, stored only as SHA-256 hashes, checked in constant time."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from ledger.domain.credit_code import credit_code_problem
from ledger.domain.errors import InvalidInput
from ledger.domain.principals import AGENCY, ROLES, Principal
from ledger.storage import ensure_tables, metadata

tokens_table = sa.Table(
    "ledger_api_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("agency", sa.String(18), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Tokens:
    """The bearer tokens kept in the ledger's database."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._ready = False

    def _table(self) -> sa.Table:
        if not self._ready:
            ensure_tables(self.engine, tokens_table)
            self._ready = True
        return tokens_table

    def create(self, role: str, name: str, agency: str | None = None) -> str:
        """Store a new token for a principal and return it (the only time it is seen)."""
        problems: dict[str, list[str]] = {}
        if role not in ROLES:
            problems["role"] = [f"must be one of {', '.join(ROLES)}, got {role!r}"]
        if not name or not name.strip():
            problems["name"] = ["must not be empty"]
        if role == AGENCY:
            problem = "is required for role agency" if not agency else credit_code_problem(agency)
            if problem:
                problems["agency"] = [problem]
        elif agency is not None:
            problems["agency"] = [f"only a token of role agency names an agency, not {role}"]
        if problems:
            raise InvalidInput(problems)
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(sa.insert(self._table()).values(
                token_hash=token_hash(token), name=name.strip(), role=role, agency=agency,
                created_at=datetime.now(UTC)))
        return token

    def authenticate(self, token: str | None) -> Principal | None:
        """The principal a token stands for, or None when it is missing or unknown."""
        if not token:
            return None
        digest = token_hash(token)
        table = self._table()
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.token_hash == digest)).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        return Principal(row.name, row.role, row.agency)
