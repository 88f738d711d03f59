"""PUBLICATIONS.json round-trips, and contradicting or malformed files are refused."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from ledger.integrity.publications import (
    PublicationsError, merge, publications_for, read_publications, write_publications,
)
from ledger.integrity.signing import sign_checkpoint, signature_valid


@pytest.fixture
def checkpoints(bureau_key):
    return [sign_checkpoint(bureau_key, month=m, revision=1, position=p, seq=p, head=h * 64)
            for m, p, h in (("2023-01", 10, "a"), ("2023-02", 25, "b"))]


def test_a_written_file_reads_back_with_valid_signatures(tmp_path, bureau_key, checkpoints):
    path = tmp_path / "PUBLICATIONS.json"
    write_publications(path, publications_for(bureau_key, checkpoints))
    read = read_publications(path)
    assert list(read.checkpoints) == checkpoints
    assert all(signature_valid(c, bureau_key.public_key()) for c in read.checkpoints)


def test_two_different_checkpoints_for_one_publication_do_not_merge(checkpoints):
    rival = replace(checkpoints[0], head="c" * 64)
    with pytest.raises(PublicationsError, match="2023-01 revision 1"):
        merge(checkpoints, [rival])
    assert merge(checkpoints, checkpoints[:1]) == checkpoints


@pytest.mark.parametrize("document", [
    "not json", json.dumps({"format": "other"}),
    json.dumps({"format": "assessment-ledger/publications/1", "checkpoints": [{"month": 1}]}),
    json.dumps({"format": "assessment-ledger/publications/1", "checkpoints": None}),
])
def test_a_malformed_file_is_refused_with_a_reason(tmp_path, document):
    path = tmp_path / "bad.json"
    path.write_text(document)
    with pytest.raises(PublicationsError):
        read_publications(path)
