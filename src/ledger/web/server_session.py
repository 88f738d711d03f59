"""The pages' session kept on the server: the cookie carries only a random id.

The session's contents (the bearer token given at sign-in, the CSRF secret, the language) are
stored in `ledger_web_sessions`, keyed by the SHA-256 of the id, and encrypted (AES-GCM) with a
key derived from the id itself: neither the cookie nor the table alone reveals a token. A
session lives at most `LIFETIME` from sign-in; signing in again starts a new id (no fixation),
signing out deletes the row. The token is checked against the token store on every request
(`ledger.web.auth.viewer`), so a revoked or expired token ends the session at once.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict

from ledger.storage import ensure_tables, metadata

LIFETIME = timedelta(hours=12)

sessions_table = sa.Table(
    "ledger_web_sessions", metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("data", sa.LargeBinary, nullable=False),  # nonce + AES-GCM ciphertext
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False, index=True),
)


def id_hash(sid: str) -> str:
    return hashlib.sha256(b"row:" + sid.encode()).hexdigest()


def cipher(sid: str) -> AESGCM:
    return AESGCM(hashlib.sha256(b"key:" + sid.encode()).digest())


class ServerSession(CallbackDict, SessionMixin):
    def __init__(self, initial: dict | None = None, sid: str | None = None,
                 created: datetime | None = None) -> None:
        def on_update(self_: ServerSession) -> None:
            self_.modified = True
        super().__init__(initial or {}, on_update)
        self.sid, self.created = sid, created
        self.modified = False
        self.renew = False  # set by sign-in: a fresh id for the signed-in session

    def regenerate(self) -> None:
        self.renew = True
        self.modified = True


class ServerSessions(SessionInterface):
    """Flask's session interface over the sessions table."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        ensure_tables(engine, sessions_table)

    def open_session(self, app, request) -> ServerSession:
        sid = request.cookies.get(self.get_cookie_name(app))
        if not sid or len(sid) > 100:
            return ServerSession()
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sessions_table).where(
                sessions_table.c.id_hash == id_hash(sid))).first()
        now = datetime.now(UTC)
        if row is None or _aware(row.expires_at) <= now:
            return ServerSession()
        data = bytes(row.data)
        try:
            plain = cipher(sid).decrypt(data[:12], data[12:], None)
        except InvalidTag:
            return ServerSession()
        return ServerSession(json.loads(plain), sid, _aware(row.created_at))

    def save_session(self, app, session: ServerSession, response) -> None:
        name = self.get_cookie_name(app)
        domain, path = self.get_cookie_domain(app), self.get_cookie_path(app)
        if not session.modified:
            return
        if session.sid and (session.renew or not session):
            self._delete(session.sid)
        if not session:
            if session.sid:
                response.delete_cookie(name, domain=domain, path=path)
            return
        now = datetime.now(UTC)
        if session.sid is None or session.renew:
            session.sid, session.created = secrets.token_urlsafe(32), now
            created = True
        else:
            created = False
        nonce = secrets.token_bytes(12)
        data = nonce + cipher(session.sid).encrypt(nonce, json.dumps(dict(session)).encode(), None)
        values = dict(data=data, created_at=session.created, expires_at=session.created + LIFETIME)
        with self.engine.begin() as conn:
            if created:
                conn.execute(sa.delete(sessions_table).where(sessions_table.c.expires_at < now))
                conn.execute(sa.insert(sessions_table).values(id_hash=id_hash(session.sid), **values))
            else:
                conn.execute(sa.update(sessions_table).where(
                    sessions_table.c.id_hash == id_hash(session.sid)).values(**values))
        response.set_cookie(name, session.sid, domain=domain, path=path,
                            httponly=self.get_cookie_httponly(app),
                            secure=self.get_cookie_secure(app),
                            samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")

    def _delete(self, sid: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(sa.delete(sessions_table).where(sessions_table.c.id_hash == id_hash(sid)))


def _aware(moment: datetime) -> datetime:
    """SQLite hands timezone-aware columns back naive (UTC)."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
