"""The verifier, fed damaged rows of any shape, says "damaged" and never raises."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.application import Ledger
from ledger.integrity.signing import Checkpoint, sign_checkpoint
from ledger.integrity.verify import verify
from tests.integrity.conftest import write_events
from tests.integrity.tamper import COLUMNS, rows

KEY = Ed25519PrivateKey.generate()
EDITABLE = [c for c in COLUMNS if c != "id"]
json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                           lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                           max_leaves=8)
values = st.one_of(
    st.none(), st.integers(-2**63, 2**63 - 1), st.text(max_size=20), st.binary(max_size=40),
    st.floats(), json_values.map(lambda v: json.dumps(v).encode()),
    st.just(b'{"a": NaN}'), st.just(b"[" * 5000), st.just(b"\xff\xfe"),
)
edits = st.lists(st.one_of(
    st.tuples(st.just("set"), st.integers(0, 5), st.sampled_from(EDITABLE), values),
    st.tuples(st.just("delete"), st.integers(0, 4)),
    st.tuples(st.just("duplicate"), st.integers(0, 5)),
    st.tuples(st.just("swap"), st.integers(0, 5), st.integers(0, 5)),
), min_size=1, max_size=4)


@pytest.fixture(scope="module")
def genuine(tmp_path_factory) -> list[dict]:
    app = Ledger(url=f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'genuine.sqlite3'}")
    write_events(app, 6)
    try:
        return rows(app.engine)
    finally:
        app.close()


def published(genuine: list[dict]) -> Checkpoint:
    head = genuine[-1]
    return sign_checkpoint(KEY, month="2023-01", revision=1, position=head["id"],
                           seq=head["seq"], head=head["hash"])


def apply(edits_: list[tuple], original: list[dict]) -> list[dict]:
    out = [dict(r) for r in original]
    for edit in edits_:
        if edit[0] == "set" and edit[1] < len(out):
            out[edit[1]][edit[2]] = edit[3]
        elif edit[0] == "delete" and len(out) > 1:
            out.pop(edit[1] % len(out))
        elif edit[0] == "duplicate" and edit[1] < len(out):
            out.append(dict(out[edit[1]], id=max(r["id"] for r in out) + 1))
        elif edit[0] == "swap" and max(edit[1:]) < len(out):
            a, b = out[edit[1]], out[edit[2]]
            out[edit[1]], out[edit[2]] = dict(b, id=a["id"]), dict(a, id=b["id"])
    return out


def loose_store(stored: list[dict]) -> sa.Engine:
    """An owner's altered table: no types, no constraints, so any value can sit anywhere."""
    engine = sa.create_engine("sqlite://")
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE ledger_events (id INTEGER PRIMARY KEY, "
                             "originator_id, originator_version, topic, state, seq, hash)")
        conn.execute(sa.text(f"INSERT INTO ledger_events ({', '.join(COLUMNS)}) VALUES "
                             f"({', '.join(':' + c for c in COLUMNS)})"), stored)
    return engine


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits)
def test_damaged_rows_are_reported_never_raised(genuine, edits_):
    damaged = apply(edits_, genuine)
    engine = loose_store(damaged)
    # Against the checkpoint of the genuine head, so that a cut-off tail counts as damage too.
    report = verify(engine, [published(genuine)], KEY.public_key(), batch_size=4)
    assert report.events == len(damaged)
    if damaged != genuine:
        assert not report.verified
        assert report.first_damaged_position is not None
    else:
        assert report.verified


def test_a_table_that_cannot_be_read_is_reported():
    report = verify(sa.create_engine("sqlite://"))  # no events table at all
    assert (report.verified, report.problems[0].kind) == (False, "unreadable")
