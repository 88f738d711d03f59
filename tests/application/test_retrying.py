"""The commands' one retry: a conflict re-runs the whole command, a refusal does not."""

import ast
import pathlib

import pytest
from eventsourcing.persistence import RecordConflictError

import ledger
from ledger.commands import base
from ledger.domain.errors import ConcurrentChange, RuleViolation


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch):
    monkeypatch.setattr(base.time, "sleep", lambda seconds: None)


def test_a_conflict_runs_the_command_again_from_its_get():
    gets = []

    @base.retrying
    def command(store, value):
        gets.append(value)  # the get: each attempt reads again
        if len(gets) < 3:
            raise RecordConflictError("another writer saved first")
        return value * 2

    assert command(None, 21) == 42
    assert gets == [21, 21, 21]


def test_losing_every_attempt_is_a_concurrent_change():
    attempts = []

    @base.retrying
    def command(store):
        attempts.append(1)
        raise RecordConflictError("another writer saved first")

    with pytest.raises(ConcurrentChange):
        command(None)
    assert len(attempts) == base.RETRIES


def test_a_refusal_is_raised_at_once():
    attempts = []

    @base.retrying
    def command(store):
        attempts.append(1)
        raise RuleViolation("refused")

    with pytest.raises(RuleViolation):
        command(None)
    assert attempts == [1]


def test_commands_and_the_unit_of_work_do_not_import_the_application():
    root = pathlib.Path(ledger.__file__).parent
    for path in [*sorted((root / "commands").glob("*.py")), root / "unit_of_work.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([node.module] if isinstance(node, ast.ImportFrom)
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            assert "ledger.application" not in names, path.name
