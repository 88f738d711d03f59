"""The worked example replayed through Ledger commands gives the expected refusals."""

from ledger.domain.errors import RuleViolation
from tests.scenario import replay


def test_sample_scenario_refuses_exactly_the_expected_operations(ledger, scenario, expected):
    _, refused, _ = replay(ledger, scenario)
    assert sorted(refused) == sorted(int(i) for i in expected["refused_ops"])
    # 409 in the example: both are broken domain rules
    assert all(expected["refused_ops"][str(i)] == 409 for i in refused)
    assert all(type(error) is RuleViolation for error in refused.values())


def test_late_dispute_in_the_example_says_the_window_closed_on_2022_02_22(ledger, scenario):
    _, refused, _ = replay(ledger, scenario)
    assert scenario["ops"][10]["op"] == "dispute"
    assert "window closed on 2022-02-22" in refused[10].message


def test_duplicate_attendance_in_the_example_names_the_person_and_session(ledger, scenario):
    _, refused, _ = replay(ledger, scenario)
    assert "Staff A-01 of agency 91341800H9EH9J1GRF is already recorded" in refused[16].message


def test_refused_operations_record_nothing(ledger, scenario):
    _, refused, positions = replay(ledger, scenario)
    accepted = [i for i in range(len(scenario["ops"])) if i not in refused]
    # each accepted operation records one event, in order, with no gap where a refusal was
    assert sorted(positions) == accepted
    assert [positions[i] for i in accepted] == list(range(1, len(accepted) + 1))
    assert ledger.recorder.max_notification_id() == len(accepted)


def test_scenario_refs_name_the_resources_later_operations_changed(ledger, scenario):
    refs, _, _ = replay(ledger, scenario)
    assert ledger.deduction(refs["a1"]).rectified_on is not None
    assert ledger.deduction(refs["b1"]).status == "reduced"
    assert ledger.deduction_of_dispute(refs["x1"]).id == ledger.deduction(refs["b1"]).id
    assert ledger.deduction(refs["c1"]).status == "withdrawn"
    assert ledger.deduction(refs["c2"]).base_points == 2  # version 2022.2
    assert ledger.deduction(refs["a2"]).dispute is None  # its dispute was refused
    assert ledger.agency("91341800H9EH9J1GRF").secondments[refs["s1"]].ended_on is not None
    assert ledger.agency("91341800NNDMLAR0UG").provincial[2022] == 88
    assert len(ledger.training_session(refs["O1"]).attendees) == 18
