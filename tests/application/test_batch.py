"""Batches: commands checked one by one, saved together in one transaction."""

from datetime import date

import pytest

from ledger.domain.errors import RuleViolation
from tests.conftest import REGULATOR, REVIEWER

A, B = "91341800H9EH9J1GRF", "91341800NNDMLAR0UG"


def test_batched_commands_are_saved_together_with_increasing_positions(app):
    with app.batch() as batch:
        app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        ded = app.record_deduction(REGULATOR, A, "D01", date(2022, 1, 25), "notice late")
        app.file_dispute(REGULATOR, ded.id, "we published on time", date(2022, 1, 26))
        assert app.recorder.max_notification_id() in (None, 0)  # nothing saved yet
    positions = [r.position for r in batch.recorded]
    assert positions == sorted(positions) and positions[0] > 0
    assert app.deduction(ded.id).dispute is not None


def test_later_commands_in_a_batch_see_earlier_ones(app):
    with app.batch():
        app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        ded = app.record_deduction(REGULATOR, A, "D01", date(2022, 1, 25), "notice late")
        dispute = app.file_dispute(REGULATOR, ded.id, "on time", date(2022, 1, 26))
        app.resolve_dispute(REVIEWER, dispute.id, "upheld", "it was late", date(2022, 2, 1))
        with pytest.raises(RuleViolation, match="already registered"):
            app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
    assert app.deduction(ded.id).dispute.outcome == "upheld"


def test_a_refused_command_leaves_the_rest_of_the_batch_to_be_saved(app):
    with app.batch() as batch:
        app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 2, 1))
        with pytest.raises(RuleViolation):
            app.record_deduction(REGULATOR, A, "D01", date(2022, 1, 25), "before registration")
        app.register_agency(REGULATOR, B, "宛陵项目", date(2022, 1, 1))
    assert len(batch.recorded) == 2
    assert app.agency(B).name == "宛陵项目"


def test_an_exception_out_of_the_batch_saves_nothing(app):
    with pytest.raises(KeyError):
        with app.batch():
            app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
            raise KeyError("stop")
    assert app.recorder.max_notification_id() in (None, 0)


def test_a_batch_is_logged_in_the_order_its_commands_were_given(app):
    with app.batch() as batch:
        app.register_agency(REGULATOR, A, "敬亭招标", date(2022, 1, 1))
        app.register_agency(REGULATOR, B, "宛陵项目", date(2022, 1, 1))
        app.record_deduction(REGULATOR, A, "D01", date(2022, 1, 25), "notice late")
        app.deregister_agency(REGULATOR, B, date(2022, 3, 1))
    positions = [r.position for r in batch.recorded]
    assert positions == list(range(positions[0], positions[0] + 4))
    events = app.recorder.select_notifications(start=positions[0], limit=4)
    assert [n.topic.rsplit(".", 1)[-1] for n in events] == [
        "AgencyRegistered", "AgencyRegistered", "DeductionRecorded", "AgencyDeregistered"]
