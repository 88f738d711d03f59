"""Each kind of tampering an owner of the database could do is found at the right position."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from ledger.integrity.signing import sign_checkpoint
from ledger.integrity.verify import verify
from tests.integrity.conftest import EVENTS
from tests.integrity.tamper import rehash, replace_rows, rows, run

VICTIM = 4  # index into the log of the event the probes attack


def checkpoint_at(ledger, key, index: int, month: str = "2023-01"):
    """A checkpoint the bureau signed when the log's head was the event at `index`."""
    row = rows(ledger.engine)[index]
    return sign_checkpoint(key, month=month, revision=1, position=row["id"], seq=row["seq"],
                           head=row["hash"])


def damage(report):
    return report.verified, report.first_damaged_position, [p.kind for p in report.problems]


def edit_state(ledger, index: int, old: bytes, new: bytes) -> None:
    row = rows(ledger.engine)[index]
    assert old in row["state"]
    run(ledger.engine, "UPDATE ledger_events SET state = :s WHERE id = :i",
        {"s": bytes(row["state"]).replace(old, new), "i": row["id"]})


def test_a_changed_payload_byte_is_found_at_its_event(ledger, log):
    edit_state(ledger, VICTIM, b"Topic 4", b"Topic 5")
    assert damage(verify(ledger.engine)) == (False, log[VICTIM], ["hash"])


def test_a_changed_recorded_by_is_found_at_its_event(ledger, log):
    edit_state(ledger, VICTIM, b"zhao.regulator", b"li.regulator")
    assert damage(verify(ledger.engine)) == (False, log[VICTIM], ["hash"])


def test_a_deleted_row_is_found_at_the_event_after_the_gap(ledger, log):
    run(ledger.engine, "DELETE FROM ledger_events WHERE id = :i", {"i": log[VICTIM]})
    report = verify(ledger.engine)
    assert damage(report) == (False, log[VICTIM + 1], ["sequence"])
    assert "missing" in report.problems[0].detail


def test_a_naively_inserted_row_is_found_at_itself(ledger, log):
    copy = dict(rows(ledger.engine)[VICTIM], id=log[-1] + 10, originator_version=99)
    run(ledger.engine, "INSERT INTO ledger_events (id, originator_id, originator_version, topic, "
        "state, seq, hash) VALUES (:id, :originator_id, :originator_version, :topic, :state, "
        ":seq + 1000, :hash)", copy)
    assert damage(verify(ledger.engine)) == (False, log[-1] + 10, ["sequence"])


def test_a_carefully_chained_inserted_row_breaks_the_link_after_it(ledger, log):
    stored = rows(ledger.engine)
    forged = dict(stored[VICTIM], originator_version=99)
    shifted = [dict(r, id=r["id"] + 1, seq=r["seq"] + 1) for r in stored[VICTIM + 1:]]
    forged["id"] = stored[VICTIM]["id"] + 1
    new_rows = rehash(stored[:VICTIM + 1] + [forged], start=VICTIM + 1) + shifted
    replace_rows(ledger.engine, new_rows)
    report = verify(ledger.engine)
    assert damage(report)[:2] == (False, forged["id"] + 1)  # shifted rows all fail after it
    assert {p.kind for p in report.problems} == {"hash"}


def test_two_swapped_rows_are_found_at_the_first_of_them(ledger, log):
    stored = rows(ledger.engine)
    a, b = stored[3], stored[7]
    stored[3], stored[7] = dict(b, id=a["id"]), dict(a, id=b["id"])
    replace_rows(ledger.engine, stored)
    report = verify(ledger.engine)
    assert damage(report)[:2] == (False, log[3])
    assert report.problems[0].kind == "sequence"


def test_the_last_row_removed_passes_alone_but_not_against_a_checkpoint(ledger, log, bureau_key):
    published = checkpoint_at(ledger, bureau_key, EVENTS - 1)
    run(ledger.engine, "DELETE FROM ledger_events WHERE id = :i", {"i": log[-1]})
    assert verify(ledger.engine).verified  # a chain alone cannot see its own end cut off
    report = verify(ledger.engine, [published], bureau_key.public_key())
    assert damage(report) == (False, log[-1], ["truncated"])


def test_a_rewrite_with_recomputed_hashes_is_found_against_a_checkpoint(ledger, log, bureau_key):
    earlier = checkpoint_at(ledger, bureau_key, VICTIM - 1, month="2022-12")
    later = checkpoint_at(ledger, bureau_key, EVENTS - 1)
    stored = rows(ledger.engine)
    stored[VICTIM]["state"] = bytes(stored[VICTIM]["state"]).replace(b"Topic 4", b"Topic 5")
    replace_rows(ledger.engine, rehash(stored, start=VICTIM))
    assert verify(ledger.engine).verified  # internally consistent: only a publication shows it
    report = verify(ledger.engine, [earlier, later], bureau_key.public_key())
    assert damage(report) == (False, log[-1], ["checkpoint"])
    assert "2023-01" in report.problems[0].detail


@pytest.mark.parametrize("forgery", ["edited", "other key"])
def test_a_checkpoint_with_a_bad_signature_is_rejected(ledger, log, bureau_key, forgery):
    genuine = checkpoint_at(ledger, bureau_key, EVENTS - 1)
    if forgery == "edited":
        bad = genuine.__class__(**{**genuine.__dict__, "head": "f" * 64})
    else:
        bad = checkpoint_at(ledger, Ed25519PrivateKey.generate(), EVENTS - 1)
    report = verify(ledger.engine, [bad], bureau_key.public_key())
    assert report.verified is False
    assert [(p.kind, p.position) for p in report.problems] == [("signature", log[-1])]
    assert report.first_damaged_position is None  # the file is forged, not the log


def test_an_intact_log_extends_its_checkpoints(ledger, log, bureau_key):
    published = [checkpoint_at(ledger, bureau_key, i) for i in (0, VICTIM, EVENTS - 1)]
    assert verify(ledger.engine, published, bureau_key.public_key()).verified
