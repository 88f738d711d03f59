"""Idempotency-Key on every POST: a repeat returns the first response and records nothing.

A claim is a lease: a request that died (its process killed) leaves its key claimed with no
answer; once the lease has run out a retry takes the claim over and, told by the request's
receipt (ledger.receipts) whether its write was recorded, answers from it or records it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, jsonify, request
from flask_smorest import abort
from sqlalchemy.exc import IntegrityError

from ledger import receipts
from ledger.api.auth import current_principal
from ledger.storage import ensure_tables, metadata

HEADER = "Idempotency-Key"
LEASE = 120.0  # seconds a claim stays with its request: well beyond gunicorn's 60 s timeout

keys_table = sa.Table(
    "ledger_idempotency_keys", metadata,
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("principal", sa.String(255), primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("status", sa.Integer, nullable=True),  # NULL while the first request runs
    sa.Column("body", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


def fingerprint() -> str:
    """Method, path and body; the body canonicalised so key order and spacing do not matter."""
    raw = request.get_data(cache=True)
    try:
        body = json.dumps(json.loads(raw or b"null"), sort_keys=True, separators=(",", ":"),
                          ensure_ascii=False).encode()
    except ValueError:
        body = raw
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(),
                                      body])).hexdigest()


class IdempotencyKeys:
    """The keys seen, with the first response to each, kept in the ledger's database."""

    def __init__(self, engine: sa.Engine, lease: float = LEASE) -> None:
        self.engine, self.lease = engine, lease
        ensure_tables(engine, keys_table, receipts.receipts_table)

    def take_over(self, key: str, principal: str) -> bool:
        """Claim a key whose request left no answer and whose lease has run out."""
        now = datetime.now(UTC)
        with self.engine.begin() as conn:
            taken = conn.execute(sa.update(keys_table).where(
                keys_table.c.idempotency_key == key, keys_table.c.principal == principal,
                keys_table.c.status.is_(None),
                keys_table.c.created_at < now - timedelta(seconds=self.lease),
            ).values(created_at=now))
            return taken.rowcount == 1

    def recorded(self, key: str, principal: str) -> sa.Row | None:
        """The receipt of a write recorded under the key, if one was."""
        return receipts.find_receipt(self.engine, key, principal)

    def claim(self, key: str, principal: str, print_: str) -> sa.Row | None:
        """Claim the key for this request, or return the row of the request that claimed it."""
        try:
            with self.engine.begin() as conn:
                conn.execute(sa.insert(keys_table).values(
                    idempotency_key=key, principal=principal, fingerprint=print_,
                    created_at=datetime.now(UTC)))
            return None
        except IntegrityError:
            with self.engine.connect() as conn:
                return conn.execute(sa.select(keys_table).where(
                    keys_table.c.idempotency_key == key,
                    keys_table.c.principal == principal)).first()

    def finish(self, key: str, principal: str, status: int, body: str | None) -> None:
        where = (keys_table.c.idempotency_key == key) & (keys_table.c.principal == principal)
        with self.engine.begin() as conn:
            if body is None:  # a failure of ours: let the client try again with the same key
                conn.execute(sa.delete(keys_table).where(where))
            else:
                conn.execute(sa.update(keys_table).where(where).values(status=status, body=body))


def replay_or_claim():
    """before_request: answer a repeated key from the store, or claim a new one."""
    key = request.headers.get(HEADER)
    principal = current_principal() if request.method == "POST" and key else None
    if principal is None:  # no key, or the view will answer 401 anyway
        return None
    if len(key) > 255:
        abort(422, errors={HEADER: ["must be at most 255 characters"]})
    who = f"{principal.role}:{principal.name}:{principal.agency or ''}"
    keys: IdempotencyKeys = current_app.extensions["ledger"].idempotency
    first = keys.claim(key, who, fingerprint())
    if first is not None:
        if first.fingerprint != fingerprint():
            abort(409, message=f"Idempotency-Key {key!r} was already used for another "
                               "request; use a new key for a new request.")
        if first.status is not None:
            return Response(first.body, status=first.status, mimetype="application/json")
        if not keys.take_over(key, who):
            abort(409, message=f"The first request with Idempotency-Key {key!r} is still "
                               "running; repeat it later.")
    g.idempotency = (key, who)
    receipt = keys.recorded(key, who)
    if receipt is not None:  # recorded by a request that died before it answered
        return jsonify(recorded_answer(receipt)), 201
    receipts.begin(key, who)
    return None


def recorded_answer(receipt: sa.Row) -> dict:
    """The answer to a write recorded by an earlier request that never gave its own."""
    return {"id": receipt.resource_id, "position": receipt.position,
            "recorded_at": receipt.recorded_at, "complete": False,
            "message": f"Recorded at log position {receipt.position} by an earlier request "
                       "with this Idempotency-Key that ended before it answered. GET the "
                       "resource to see it; do not repeat the write."}


def remember(response: Response) -> Response:
    """after_request: keep the first response to a claimed key (not our own 5xx failures)."""
    claimed = g.pop("idempotency", None)
    if claimed:
        body = response.get_data(as_text=True) if response.status_code < 500 else None
        current_app.extensions["ledger"].idempotency.finish(*claimed, response.status_code, body)
    return response


def release(_error: BaseException | None) -> None:
    """teardown: a request that died before its response frees its key."""
    receipts.end()
    claimed = g.pop("idempotency", None)
    if claimed:
        current_app.extensions["ledger"].idempotency.finish(*claimed, 500, None)


def init_app(app: Flask) -> None:
    app.before_request(replay_or_claim)
    app.after_request(remember)
    app.teardown_request(release)
