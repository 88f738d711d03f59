"""Idempotency-Key: a repeat returns the first response and records nothing; another body with
the same key is 409; keys survive a restart."""

from __future__ import annotations

from tests.api.conftest import A, Callers, head, make_app

BODY = {"credit_code": A, "name": "宣城敬亭招标代理有限公司", "registered_on": "2019-05-10"}


def test_a_repeat_with_the_same_key_and_body_returns_the_first_response(app, callers):
    key = {"Idempotency-Key": "register-A-1"}
    first = callers.regulator.post("/api/v1/agencies", json=BODY, headers=key)
    after_first = head(app)
    again = callers.regulator.post("/api/v1/agencies", json=dict(reversed(BODY.items())),
                                   headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert head(app) == after_first


def test_the_same_key_with_another_body_is_refused(app, callers):
    key = {"Idempotency-Key": "k-1"}
    callers.regulator.post("/api/v1/agencies", json=BODY, headers=key)
    before = head(app)
    other = callers.regulator.post("/api/v1/agencies", json={**BODY, "name": "other"},
                                   headers=key)
    assert other.status_code == 409 and "Idempotency-Key" in other.get_json()["message"]
    assert head(app) == before


def test_a_repeated_refusal_is_replayed_not_re_decided(sqlite_app, sqlite_callers):
    key = {"Idempotency-Key": "dup"}
    sqlite_callers.regulator.post("/api/v1/agencies", json=BODY)
    first = sqlite_callers.regulator.post("/api/v1/agencies", json=BODY, headers=key)
    again = sqlite_callers.regulator.post("/api/v1/agencies", json=BODY, headers=key)
    assert first.status_code == again.status_code == 409
    assert again.get_json() == first.get_json()


def test_keys_belong_to_their_principal(sqlite_app, sqlite_callers):
    key = {"Idempotency-Key": "shared-key"}
    sqlite_callers.regulator.post("/api/v1/agencies", json=BODY, headers=key)
    other = sqlite_callers.regulator_2.post("/api/v1/agencies", json=BODY, headers=key)
    assert other.status_code == 409 and "already registered" in other.get_json()["message"]


def test_without_a_key_a_repeat_is_a_new_request(sqlite_app, sqlite_callers):
    session = {"kind": "online", "held_on": "2022-03-01", "topic": "t", "hours": 1}
    first = sqlite_callers.regulator.post("/api/v1/training-sessions", json=session)
    second = sqlite_callers.regulator.post("/api/v1/training-sessions", json=session)
    assert first.get_json()["id"] != second.get_json()["id"]


def test_keys_survive_a_restart(database_url):
    first_app = make_app(database_url)
    callers = Callers(first_app)
    key = {"Idempotency-Key": "before-restart"}
    first = callers.regulator.post("/api/v1/training-sessions", headers=key, json={
        "kind": "online", "held_on": "2022-03-01", "topic": "t", "hours": 1})
    token = callers.regulator.token
    first_app.extensions["ledger"].close()

    second_app = make_app(database_url)
    try:
        again = second_app.test_client().post(
            "/api/v1/training-sessions", headers={**key, "Authorization": f"Bearer {token}"},
            json={"kind": "online", "held_on": "2022-03-01", "topic": "t", "hours": 1})
        assert again.status_code == 201 and again.get_json() == first.get_json()
        assert head(second_app) == first.get_json()["position"]
    finally:
        second_app.extensions["ledger"].close()


def test_a_request_without_a_token_is_401_even_with_a_key(sqlite_callers):
    response = sqlite_callers.anonymous.post("/api/v1/agencies", json=BODY,
                                             headers={"Idempotency-Key": "x"})
    assert response.status_code == 401


def test_a_write_whose_resource_cannot_be_read_back_is_acknowledged_and_not_repeated(
        sqlite_app, sqlite_callers):
    side = sqlite_app.extensions["ledger"].read_side

    def too_slow(position, timeout=10.0, names=()):
        raise TimeoutError(f"projection has not reached {position}")
    assert sqlite_callers.regulator.post("/api/v1/agencies", json=BODY).status_code == 201
    side.wait_for = too_slow
    # A deduction's resource holds figures of the fold: its answer waits for the read model.
    key, deduction = {"Idempotency-Key": "deduct-while-slow"}, {
        "rule_code": "D01", "found_on": "2024-03-02", "reason": "late"}
    path = f"/api/v1/agencies/{A}/deductions"
    first = sqlite_callers.regulator.post(path, json=deduction, headers=key)
    after_first = head(sqlite_app)
    again = sqlite_callers.regulator.post(path, json=deduction, headers=key)
    assert first.status_code == again.status_code == 201
    assert first.get_json()["complete"] is False
    assert first.get_json()["position"] == after_first
    assert again.get_json() == first.get_json()
    assert head(sqlite_app) == after_first
