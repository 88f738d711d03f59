"""One structured log line per request, and a request id echoed in X-Request-Id.

Each line is one JSON object, so a newline, NUL or ESC in a path (sent as %0A, %00, %1B) is
written escaped inside its string and can never start a forged line or drive a terminal.
Neither headers (Authorization, Cookie) nor the query string are logged: no token reaches
the log.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request

HEADER = "X-Request-Id"
# An incoming id is kept when it is short and plain (what proxies and clients send: UUIDs,
# hex, base64url); anything else is replaced by a new one.
SANE_ID = re.compile(r"^[A-Za-z0-9._:+/=-]{1,128}$")

log = logging.getLogger("ledger.requests")


def request_id() -> str:
    """This request's id: the client's own when sane, else a new one."""
    if "request_id" not in g:
        given = request.headers.get(HEADER, "")
        g.request_id = given if SANE_ID.match(given) else uuid.uuid4().hex
    return g.request_id


def started() -> None:
    g.log_start = time.perf_counter()
    request_id()


def line(response) -> str:
    """The JSON line describing this request and its response."""
    # The principal the request was authenticated as; a public route authenticates nobody
    # (looking a token up here would count a bad one against its address); pages: the
    # signed-in viewer.
    principal = g.get("principal") or g.get("viewer")
    start = g.get("log_start")
    rule = request.url_rule
    return json.dumps({
        "request_id": request_id(), "method": request.method, "path": request.path,
        "route": rule.rule if rule is not None else None, "status": response.status_code,
        "duration_ms": round((time.perf_counter() - start) * 1000, 1) if start else None,
        "principal": principal.name if principal is not None else None,
        "remote": request.remote_addr,
    }, ensure_ascii=True)


def finished(response):
    response.headers[HEADER] = request_id()
    log.info(line(response))
    return response


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (pytest swaps it per test)."""

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def init_app(app: Flask) -> None:
    """Request ids and log lines; the lines go to stderr unless logging is set up elsewhere."""
    app.before_request(started)
    app.after_request(finished)
    if not log.handlers:
        handler = _Stderr()
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False
