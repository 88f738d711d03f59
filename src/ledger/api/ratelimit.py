"""Token guessing is rate-limited: failed authentications counted per client address."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import sqlalchemy as sa
from flask import has_request_context, request
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError

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

    def record(self, client: str) -> None:
        """Count one failure; an expired window starts again at one."""
        c, now = failures_table.c, self.clock()
        for _ in range(3):  # another worker may insert the row first: count again
            try:
                with self.engine.begin() as conn:
                    if conn.execute(sa.update(failures_table).where(
                            c.client == client, c.window_start > now - self.window).values(
                            failures=c.failures + 1)).rowcount:
                        return
                    conn.execute(sa.delete(failures_table).where(c.client == client))
                    conn.execute(sa.insert(failures_table).values(
                        client=client, failures=1, window_start=now))
                return
            except IntegrityError:
                continue


class ThrottledTokens(Tokens):
    """Tokens whose checks answer 429 to a client that failed too often, before looking."""

    def __init__(self, engine: sa.Engine, failures: AuthFailures) -> None:
        super().__init__(engine)
        self.failures = failures

    def authenticate(self, token: str | None) -> Principal | None:
        client = request.remote_addr if has_request_context() else None
        if not token or not client:
            return super().authenticate(token)
        wait = self.failures.retry_after(client)
        if wait is not None:
            abort(429, message=f"Too many unknown tokens from this address; try again in "
                               f"{wait} s.", headers={"Retry-After": str(wait)})
        principal = super().authenticate(token)
        if principal is None:
            self.failures.record(client)
        return principal
