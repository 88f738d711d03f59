"""Idempotency claims are leases: a claim left by a request that died is taken over by a
retry once the lease has run out; the retry records the write when the dead request had not,
and answers with the recorded write (recording nothing) when it had."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa

from ledger.api.idempotency import fingerprint, keys_table
from ledger.receipts import AlreadyRecorded, receipt_for
from tests.api.conftest import A, head, principal

BODY = {"credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"}
PATH, WHO = "/api/v1/agencies", "regulator:li.regulator:"


def leave_claim(app, key: str, age: timedelta) -> None:
    """The claim a request made before its process was killed: no status, no answer."""
    with app.test_request_context(PATH, method="POST", json=BODY):
        print_ = fingerprint()
    with app.extensions["ledger"].ledger.engine.begin() as conn:
        conn.execute(sa.insert(keys_table).values(
            idempotency_key=key, principal=WHO, fingerprint=print_,
            created_at=datetime.now(UTC) - age))


def record_as_the_request(app, key: str):
    """The dead request's write, recorded (with its receipt) before it could answer."""
    with receipt_for(key, WHO):
        return app.extensions["ledger"].ledger.register_agency(
            principal("regulator"), A, BODY["name"], date(2019, 5, 10))


def test_a_dead_claim_that_recorded_nothing_is_taken_over_and_recorded(app, callers):
    leave_claim(app, "k", timedelta(hours=1))
    before = head(app)
    retry = callers.regulator.post(PATH, json=BODY, headers={"Idempotency-Key": "k"})
    assert retry.status_code == 201 and retry.get_json()["credit_code"] == A
    assert head(app) == before + 1
    again = callers.regulator.post(PATH, json=BODY, headers={"Idempotency-Key": "k"})
    assert again.get_json() == retry.get_json() and head(app) == before + 1


def test_a_dead_claim_whose_write_was_recorded_answers_with_it(app, callers):
    leave_claim(app, "k", timedelta(hours=1))
    recorded = record_as_the_request(app, "k")
    before = head(app)
    retry = callers.regulator.post(PATH, json=BODY, headers={"Idempotency-Key": "k"})
    body = retry.get_json()
    assert retry.status_code == 201, body
    assert (body["id"], body["position"], body["complete"]) == (A, recorded.position, False)
    assert head(app) == before
    again = callers.regulator.post(PATH, json=BODY, headers={"Idempotency-Key": "k"})
    assert (again.status_code, again.get_json()) == (201, body)


def test_a_live_claim_is_not_taken_over(app, callers):
    leave_claim(app, "k", timedelta(seconds=1))
    before = head(app)
    retry = callers.regulator.post(PATH, json=BODY, headers={"Idempotency-Key": "k"})
    assert retry.status_code == 409 and "still running" in retry.get_json()["message"]
    assert head(app) == before


def test_a_slow_request_whose_claim_was_taken_over_records_nothing_more(app, callers):
    leave_claim(app, "k", timedelta(hours=1))
    taken = callers.regulator.post(PATH, json=BODY, headers={"Idempotency-Key": "k"})
    assert taken.status_code == 201
    before = head(app)
    session = dict(kind="online", held_on=date(2022, 3, 1), topic="t", hours=1)
    with receipt_for("k", WHO), pytest.raises(AlreadyRecorded, match="already recorded"):
        app.extensions["ledger"].ledger.hold_training_session(principal("regulator"), **session)
    assert head(app) == before
