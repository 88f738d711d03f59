"""Token guessing is rate-limited: failed authentications counted per client address."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import has_request_context, request
from flask_smorest import abort

from ledger.domain.principals import Principal
from ledger.storage import ensure_tables, metadata
from ledger.tokens import Tokens

# In the database, so every gunicorn worker (and every host on one store) shares the count.
failures_table = sa.Table(
    "ledger_auth_failures", metadata,
    sa.Column("client", sa.String(64), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("window_start", sa.Float, nullable=False),  # seconds since the epoch
)


class AuthFailures:
    """At most `limit` failed authentications per client within `window` seconds."""

    def __init__(self, engine: sa.Engine, limit: int = 10, window: float = 900.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.engine, self.limit, self.window, self.clock = engine, limit, window, clock
        ensure_tables(engine, failures_table)

    def retry_after(self, client: str) -> int | None:
        """Seconds until `client` may try again, or None when it is not locked out."""
        c = failures_table.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(c.failures, c.window_start)
                               .where(c.client == client)).first()
        if row is None or row.failures < self.limit:
            return None
        left = row.window_start + self.window - self.clock()
        return math.ceil(left) if left > 0 else None

    def record(self, client: str) -> int:
        """Count one failure and return the client's count in its window, atomically.

        One INSERT ... ON CONFLICT DO UPDATE ... RETURNING: concurrent failures from one
        address each get a distinct count, so at most `limit` of them are answered 401
        and the rest 429 (a read-then-write let 12-16 of 16 concurrent guesses through a limit of 10).
        An expired window starts again at one.
        """
        now = self.clock()
        with self.engine.begin() as conn:
            return conn.execute(UPSERT, {"client": client, "now": now,
                                         "cutoff": now - self.window}).scalar_one()

    def over_limit(self, client: str) -> int | None:
        """Count a failure; the seconds to wait when it is one too many, else None."""
        if self.record(client) <= self.limit:
            return None
        return self.retry_after(client) or 1


UPSERT = sa.text(
    "INSERT INTO ledger_auth_failures (client, failures, window_start) "
    "VALUES (:client, 1, :now) ON CONFLICT (client) DO UPDATE SET "
    "failures = CASE WHEN ledger_auth_failures.window_start > :cutoff "
    "THEN ledger_auth_failures.failures + 1 ELSE 1 END, "
    "window_start = CASE WHEN ledger_auth_failures.window_start > :cutoff "
    "THEN ledger_auth_failures.window_start ELSE :now END "
    "RETURNING failures")


def too_many(wait: int):
    abort(429, message=f"Too many unknown tokens from this address; try again in {wait} s.",
          headers={"Retry-After": str(wait)})


class ThrottledTokens(Tokens):
    """Tokens whose unknown guesses are limited per client address.

    A valid token is always looked at first and always admitted, whatever its address has
    done: one guesser behind the bureau's NAT cannot lock the bureau out. Only tokens that
    admit nobody are counted; once an address has sent `limit` of them within the window,
    its further unknown tokens answer 429 (without another write while it is locked out).
    """

    def __init__(self, engine: sa.Engine, failures: AuthFailures) -> None:
        super().__init__(engine)
        self.failures = failures

    def authenticate(self, token: str | None) -> Principal | None:
        principal = super().authenticate(token)
        client = request.remote_addr if has_request_context() else None
        if principal is not None or not token or not client:
            return principal
        wait = self.failures.retry_after(client)
        if wait is None:
            wait = self.failures.over_limit(client)
        if wait is not None:
            too_many(wait)
        return None
