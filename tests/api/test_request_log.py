"""One JSON log line per request, control characters escaped, no token; X-Request-Id echoed."""

from __future__ import annotations

import json
import logging

import pytest

from tests.api.conftest import A


@pytest.fixture
def log_lines():
    """The raw text the request log writes, as the lines a log file would hold."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record) + "\n")

    logger = logging.getLogger("ledger.requests")
    handler = Keep()
    logger.addHandler(handler)
    yield lambda: "".join(lines).splitlines()
    logger.removeHandler(handler)


def test_a_sane_request_id_is_echoed_and_logged(sqlite_callers, log_lines):
    response = sqlite_callers.regulator.get(f"/api/v1/agencies/{A}",
                                            headers={"X-Request-Id": "abc-123.DEF"})
    assert response.headers["X-Request-Id"] == "abc-123.DEF"
    entry = json.loads(log_lines()[-1])
    assert entry == {**entry, "request_id": "abc-123.DEF", "method": "GET", "status": 404,
                     "route": "/api/v1/agencies/<code>", "principal": "li.regulator"}
    assert isinstance(entry["duration_ms"], float)


@pytest.mark.parametrize("given", [None, "", "x" * 129, "a b", "id\u0000", "ok\u001b[31m"])
def test_a_missing_or_unsafe_request_id_is_replaced_by_a_new_one(sqlite_callers, given):
    headers = {"X-Request-Id": given} if given is not None else {}
    first = sqlite_callers.anonymous.get("/healthz", headers=headers).headers["X-Request-Id"]
    second = sqlite_callers.anonymous.get("/healthz", headers=headers).headers["X-Request-Id"]
    assert first != given and len(first) == 32 and first != second


def test_control_characters_in_a_path_cannot_forge_a_log_line(sqlite_callers, log_lines):
    forged = '/api/v1/agencies/X%0A{"request_id": "forged", "status": 200}%00%1B[2J%0D'
    sqlite_callers.regulator.get(forged)
    lines = log_lines()
    assert len(lines) == 1  # one request, one line
    entry = json.loads(lines[0])
    assert entry["path"] == '/api/v1/agencies/X\n{"request_id": "forged", "status": 200}\0\x1b[2J\r'
    assert "\x00" not in lines[0] and "\x1b" not in lines[0] and "\r" not in lines[0]
    assert "\\n" in lines[0] and "\\u001b" in lines[0] and "\\u0000" in lines[0]


def test_no_token_nor_query_string_reaches_the_log(sqlite_callers, log_lines):
    token = sqlite_callers.regulator.token
    sqlite_callers.regulator.get(f"/api/v1/standings?month=2022-01&secret={token}")
    sqlite_callers.anonymous.get("/api/v1/disputes",
                                 headers={"Authorization": f"Bearer {token}x"})
    text = "\n".join(log_lines())
    assert token not in text and "secret" not in text
    assert len(log_lines()) == 2
