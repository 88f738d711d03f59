"""Guessing tokens is rate-limited per client address, across workers, with the error shape."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ledger.api.ratelimit import AuthFailures
from tests.api.conftest import A, Callers, make_app

LIMIT = 10


@pytest.fixture
def two_workers(database_url):
    """Two apps on one store, as two gunicorn workers are."""
    apps = [make_app(database_url) for _ in range(2)]
    yield apps
    for app in apps:
        app.extensions["ledger"].close()


def guess(client, n: int, address: str = "127.0.0.1"):
    return client.get(f"/api/v1/agencies/{A}", headers={"Authorization": f"Bearer guess-{n}"},
                      environ_base={"REMOTE_ADDR": address})


def test_the_eleventh_unknown_token_is_refused_with_429_and_retry_after(two_workers):
    client = two_workers[0].test_client()
    assert [guess(client, n).status_code for n in range(LIMIT)] == [401] * LIMIT
    refused = guess(client, LIMIT)
    body = refused.get_json()
    assert refused.status_code == 429 and body["code"] == 429
    assert body["status"] == "Too Many Requests" and "try again" in body["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 900


def test_a_valid_token_is_admitted_from_an_address_that_is_locked_out(two_workers):
    # One guesser behind the bureau's NAT must not lock the bureau out.
    app = two_workers[0]
    token = Callers(app).regulator.token
    client = app.test_client()
    for n in range(LIMIT + 3):
        guess(client, n)
    assert guess(client, 99).status_code == 429
    valid = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/projections", headers=valid).status_code == 200
    assert two_workers[1].test_client().get("/api/v1/projections",
                                            headers=valid).status_code == 200
    assert guess(client, 100).status_code == 429  # the guesser stays locked out


def test_sixteen_concurrent_guessers_get_no_more_than_the_limit_looked_at(two_workers):
    start = threading.Barrier(16)

    def one(n: int) -> int:
        client = two_workers[n % 2].test_client()
        start.wait()
        return guess(client, n).status_code

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(one, range(16)))
    assert sorted(answers) == [401] * LIMIT + [429] * (16 - LIMIT)


def test_failures_counted_by_one_worker_lock_the_address_out_of_another(two_workers):
    first, second = (app.test_client() for app in two_workers)
    for n in range(LIMIT):
        guess(first, n)
    assert guess(second, 99).status_code == 429


def test_public_routes_stay_open_to_a_locked_out_address(two_workers):
    client = two_workers[0].test_client()
    for n in range(LIMIT + 2):
        guess(client, n)
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_the_web_sign_in_form_is_limited_by_the_same_count(two_workers):
    from tests.web.conftest import csrf_token
    client = two_workers[0].test_client()
    form = {"csrf_token": csrf_token(client)}
    for n in range(LIMIT):
        assert client.post("/sign-in", data={**form, "token": f"guess-{n}"}).status_code == 401
    assert client.post("/sign-in", data={**form, "token": "guess-x"}).status_code == 429


def test_the_lockout_ends_when_its_window_has_passed(sqlite_url):
    app = make_app(sqlite_url)
    now = [1_000_000.0]
    failures = AuthFailures(app.extensions["ledger"].ledger.engine, limit=3, window=60,
                            clock=lambda: now[0])
    assert [failures.record("10.0.0.1") for _ in range(3)] == [1, 2, 3]
    assert failures.retry_after("10.0.0.1") == 60
    now[0] += 61
    assert failures.retry_after("10.0.0.1") is None
    assert failures.record("10.0.0.1") == 1  # a new window starts at one failure
    assert failures.retry_after("10.0.0.1") is None
    app.extensions["ledger"].close()
