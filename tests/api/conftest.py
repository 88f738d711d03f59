"""An API app per test on a fresh store, tokens for every role, and a small world to act on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from ledger.api import create_app
from ledger.domain.principals import Principal

A, B, C = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG", "91341800WQD9LLEHT2"
ROLES = {  # name in the fixture -> (role, principal name, agency)
    "regulator": ("regulator", "li.regulator", None),
    "regulator_2": ("regulator", "zhao.regulator", None),
    "reviewer": ("reviewer", "wang.reviewer", None),
    "auditor": ("auditor", "chen.auditor", None),
    "agency_a": ("agency", f"agency-{A}", A),
    "agency_b": ("agency", f"agency-{B}", B),
}


def principal(who: str) -> Principal:
    role, name, agency = ROLES[who]
    return Principal(name, role, agency)


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'api.sqlite3'}"


def make_app(url: str):
    return create_app({"TESTING": True, "DATABASE_URL": url})



@pytest.fixture
def app(database_url):
    """The API on each backend."""
    app = make_app(database_url)
    yield app
    app.extensions["ledger"].close()


@pytest.fixture
def sqlite_app(sqlite_url):
    """The API on SQLite only, for behaviour that does not depend on the store."""
    app = make_app(sqlite_url)
    yield app
    app.extensions["ledger"].close()


@dataclass
class Caller:
    """A test client speaking as one principal (or none)."""

    client: object
    token: str | None

    def headers(self, extra: dict | None = None) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, **kwargs):
        return self.client.get(path, headers=self.headers(kwargs.pop("headers", None)), **kwargs)

    def post(self, path: str, json=None, **kwargs):
        return self.client.post(path, json=json,
                                headers=self.headers(kwargs.pop("headers", None)), **kwargs)


class Callers:
    """`callers.regulator.post(...)`, `callers.anonymous.get(...)`, ..."""

    def __init__(self, app) -> None:
        client = app.test_client()
        tokens = app.extensions["ledger"].tokens
        self.anonymous = Caller(client, None)
        self.unknown = Caller(client, "not-a-token-anyone-was-given")
        for who, (role, name, agency) in ROLES.items():
            setattr(self, who, Caller(client, tokens.create(role, name, agency)))

    def __getitem__(self, who: str) -> Caller:
        return getattr(self, who)


def callers_for(app) -> Callers:
    return Callers(app)


@pytest.fixture
def callers(app) -> Callers:
    return Callers(app)


@pytest.fixture
def sqlite_callers(sqlite_app) -> Callers:
    return Callers(sqlite_app)


def head(app) -> int:
    """The global log position of the last event recorded."""
    return app.extensions["ledger"].ledger.recorder.max_notification_id() or 0


@dataclass
class World:
    """Agencies A and B, a deduction on each (recorded by li.regulator), a dispute on A's
    (A's paper submission, entered by li.regulator),
    a training session and a secondment at A."""

    deduction_a: str
    deduction_b: str
    deduction_a_undisputed: str
    dispute_a: str
    session: str
    secondment_a: str
    deduction_a_today: str  # found and notified today: its dispute window is open


def build_world(app) -> World:
    ledger = app.extensions["ledger"].ledger
    li = principal("regulator")
    for code, name in ((A, "宣城敬亭招标代理有限公司"), (B, "皖南宛陵项目管理有限公司")):
        ledger.register_agency(li, code, name, date(2019, 5, 10))
    ded_a = ledger.record_deduction(li, A, "D01", date(2022, 1, 10), "notice late").id
    ded_a2 = ledger.record_deduction(li, A, "D02", date(2022, 3, 10), "result late").id
    ded_b = ledger.record_deduction(li, B, "D01", date(2022, 1, 11), "notice late").id
    # A back-dated filing is a regulator entering the agency's paper submission.
    dispute = ledger.file_dispute(li, ded_a, "it was on time", date(2022, 1, 12)).id
    session = ledger.hold_training_session(li, "lecture", date(2022, 3, 1), "law", 2).id
    secondment = ledger.start_secondment(li, A, "E001", "张三", "supervision",
                                         date(2022, 4, 1)).id
    ded_today = ledger.record_deduction(li, A, "D11", ledger.today(), "fee not disclosed").id
    read_side = app.extensions["ledger"].read_side
    read_side.wait_for(head(app))
    return World(ded_a, ded_b, ded_a2, dispute, session, secondment, ded_today)


@pytest.fixture
def world(sqlite_app) -> World:
    return build_world(sqlite_app)
