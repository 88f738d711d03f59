"""Bearer tokens: printed once, stored only as SHA-256 hashes, checked in constant time.

Each token has a short public id (for `ledger token list` and `revoke`), an optional expiry,
a revocation time and the time it was last used. `Tokens.principal(token)` is the one check
of a token's validity: the API (every request) and the pages (every request of a signed-in
viewer) both call it, so a revoked or expired token stops working everywhere at once.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger.domain.credit_code import credit_code_problem
from ledger.domain.errors import InvalidInput, NotFound
from ledger.domain.principals import AGENCY, ROLES, Principal
from ledger.schema import schema_transaction
from ledger.storage import ensure_tables, metadata

log = logging.getLogger(__name__)

tokens_table = sa.Table(
    "ledger_api_tokens", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("agency", sa.String(18), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Added in the second schema version; `migrate_tokens` adds them to an older table.
    sa.Column("id", sa.String(16), nullable=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
    sa.Index("ledger_api_tokens_id", "id", unique=True),
)
# Built once: a statement object reused keeps its cache key, so a request's token check
# neither builds nor keys the query again.
BY_HASH = sa.select(tokens_table).where(tokens_table.c.token_hash == sa.bindparam("digest"))
ADDED_COLUMNS = ("id", "expires_at", "revoked_at", "last_used_at")
MAX_EXPIRY_DAYS = 3650
LAST_USE_EVERY = 60.0  # seconds: last use is written at most once a minute per token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_id() -> str:
    return secrets.token_hex(4)  # 8 hex digits, unrelated to the token and its hash


def utc(value: datetime | None) -> datetime | None:
    """A stored time as an aware UTC datetime (SQLite hands them back naive)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TokenRecord:
    """What is known about one token; never the token or its hash."""

    id: str
    principal: Principal
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None

    def state(self, now: datetime | None = None) -> str:
        """'active', 'expired' or 'revoked'."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= (now or datetime.now(UTC)):
            return "expired"
        return "active"

    def refusal(self) -> str | None:
        """Why the token no longer admits anyone (None while it is active)."""
        state = self.state()
        if state == "revoked":
            return f"The bearer token was revoked at {self.revoked_at:%Y-%m-%d %H:%M} UTC."
        if state == "expired":
            return f"The bearer token expired at {self.expires_at:%Y-%m-%d %H:%M} UTC."
        return None


def _record(row) -> TokenRecord:
    return TokenRecord(row.id, Principal(row.name, row.role, row.agency), utc(row.created_at),
                       utc(row.expires_at), utc(row.revoked_at), utc(row.last_used_at))


def migrate_tokens(engine: sa.Engine) -> None:
    """Bring a token table of the first schema version up to this one, under the schema lock:
    add the id, expiry, revocation and last-use columns, give each token an id, index it."""
    if not sa.inspect(engine).has_table(tokens_table.name):
        ensure_tables(engine, tokens_table)
        return
    if _missing_columns(engine) == [] and _unnumbered(engine) == 0:
        return
    try:
        _migrate(engine)
    except sa.exc.ProgrammingError as error:  # e.g. the application role, which owns nothing
        raise RuntimeError(
            "the token table needs migrating and this database role may not alter it: run "
            "`ledger db setup` as the tables' owner") from error


def _migrate(engine: sa.Engine) -> None:
    with schema_transaction(engine) as conn:
        present = {c["name"] for c in sa.inspect(conn).get_columns(tokens_table.name)}
        for name in ADDED_COLUMNS:
            if name not in present:
                column = tokens_table.c[name]
                kind = column.type.compile(dialect=conn.dialect)
                conn.exec_driver_sql(f"ALTER TABLE {tokens_table.name} ADD COLUMN {name} {kind}")
        for row in conn.execute(sa.select(tokens_table.c.token_hash)
                                .where(tokens_table.c.id.is_(None))).all():
            conn.execute(sa.update(tokens_table).where(
                tokens_table.c.token_hash == row.token_hash).values(id=new_id()))
        conn.exec_driver_sql(f"CREATE UNIQUE INDEX IF NOT EXISTS ledger_api_tokens_id "
                             f"ON {tokens_table.name} (id)")


def _missing_columns(engine: sa.Engine) -> list[str]:
    present = {c["name"] for c in sa.inspect(engine).get_columns(tokens_table.name)}
    return [name for name in ADDED_COLUMNS if name not in present]


def _unnumbered(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(tokens_table)
                            .where(tokens_table.c.id.is_(None))).scalar()


class Tokens:
    """The bearer tokens kept in the ledger's database."""

    def __init__(self, engine: sa.Engine, clock=lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self.clock = clock
        self._ready = False
        self._touched: dict[str, float] = {}  # token id -> when this process wrote its last use
        self._touch_lock = threading.Lock()

    def _table(self) -> sa.Table:
        if not self._ready:
            migrate_tokens(self.engine)
            self._ready = True
        return tokens_table

    def create(self, role: str, name: str, agency: str | None = None,
               expires_in_days: int | None = None) -> str:
        """Store a new token for a principal and return it (the only time it is seen)."""
        return self.issue(role, name, agency, expires_in_days)[0]

    def issue(self, role: str, name: str, agency: str | None = None,
              expires_in_days: int | None = None) -> tuple[str, TokenRecord]:
        """A new token and its record (id, expiry)."""
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
        if expires_in_days is not None and (
                isinstance(expires_in_days, bool) or not isinstance(expires_in_days, int)
                or not 1 <= expires_in_days <= MAX_EXPIRY_DAYS):
            problems["expires_in"] = [f"must be a whole number of days from 1 to "
                                      f"{MAX_EXPIRY_DAYS}, got {expires_in_days!r}"]
        if problems:
            raise InvalidInput(problems)
        token, now = secrets.token_urlsafe(32), self.clock()
        expires = now + timedelta(days=expires_in_days) if expires_in_days else None
        table = self._table()
        for attempt in range(5):
            token_id = new_id()
            try:
                with self.engine.begin() as conn:
                    conn.execute(sa.insert(table).values(
                        token_hash=token_hash(token), id=token_id, name=name.strip(), role=role,
                        agency=agency, created_at=now, expires_at=expires))
                break
            except IntegrityError:  # an id drawn twice (1 in 4 billion): draw again
                if attempt == 4:
                    raise
        return token, TokenRecord(token_id, Principal(name.strip(), role, agency), now,
                                  expires, None, None)

    def lookup(self, token: str | None) -> TokenRecord | None:
        """The record of a token, valid or not; None when it is missing or unknown."""
        if not token:
            return None
        digest = token_hash(token)
        self._table()
        with self.engine.connect() as conn:
            row = conn.execute(BY_HASH, {"digest": digest}).first()
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        return _record(row)

    def admitted(self, token: str | None) -> TokenRecord | None:
        """The record of a token that admits its principal now (not expired or revoked),
        its use noted; None otherwise. A server-side session keeps the record's id."""
        record = self.lookup(token)
        if record is None or record.state(self.clock()) != "active":
            return None
        self._note_use(record)
        return record

    def principal(self, token: str | None) -> Principal | None:
        """The principal a token admits: None when it is missing, unknown, expired or revoked.

        The one validity check of the API and the pages; it also notes the token's last use.
        """
        record = self.admitted(token)
        return record.principal if record is not None else None

    def principal_of_id(self, token_id: str | None) -> Principal | None:
        """As `principal`, for a token known by its id (a server-side session keeps the id)."""
        if not token_id:
            return None
        table = self._table()
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.id == token_id)).first()
        if row is None:
            return None
        record = _record(row)
        if record.state(self.clock()) != "active":
            return None
        self._note_use(record)
        return record.principal

    def authenticate(self, token: str | None) -> Principal | None:
        """The caller a request's token stands for (`principal`; throttled in the API)."""
        return self.principal(token)

    def _note_use(self, record: TokenRecord) -> None:
        """Write the last use at most once a minute per token: the row's own time is checked
        first (no write while it is recent), the UPDATE's condition keeps workers that race
        from writing twice, and a failed write never fails the request."""
        now = self.clock()
        if record.last_used_at is not None and (
                now - record.last_used_at).total_seconds() < LAST_USE_EVERY:
            return
        with self._touch_lock:
            if time.monotonic() - self._touched.get(record.id, -LAST_USE_EVERY) < LAST_USE_EVERY:
                return
            self._touched[record.id] = time.monotonic()
        c = tokens_table.c
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.update(tokens_table).where(
                    c.id == record.id, sa.or_(c.last_used_at.is_(None), c.last_used_at
                                              < now - timedelta(seconds=LAST_USE_EVERY)))
                    .values(last_used_at=now))
        except DBAPIError:
            log.warning("could not note the last use of token %s", record.id, exc_info=True)

    def list(self) -> list[TokenRecord]:
        """Every token, oldest first."""
        table = self._table()
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(table).order_by(table.c.created_at, table.c.id)).all()
        return [_record(row) for row in rows]

    def revoke(self, token_id: str) -> TokenRecord:
        """End a token at once; revoking it again changes nothing. NotFound for an unknown id."""
        table = self._table()
        with self.engine.begin() as conn:
            conn.execute(sa.update(table).where(table.c.id == token_id,
                                                table.c.revoked_at.is_(None))
                         .values(revoked_at=self.clock()))
            row = conn.execute(sa.select(table).where(table.c.id == token_id)).first()
        if row is None:
            raise NotFound(f"No token with id {token_id!r}; `ledger token list` shows them.")
        return _record(row)
