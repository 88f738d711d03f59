"""Re-run an inspection plan's draw from the stored events alone and name any difference.

Nothing here reads a read model: the plan event, the chain up to it and the facts as of its
head position are all read from the stored events (`LogReader`), and the draw is the same pure
function the command used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ledger.domain.errors import LedgerError, NotFound
from ledger.domain.inspection import DrawInputs, draw, inspectors_of
from ledger.domain.inspection_plan import InspectionPlan
from ledger.integrity.chain import GENESIS, as_uuid, link_hash
from ledger.projections.queries.inspection_facts import LogReader, agency_facts

MAX_DIFFERENCES = 50


@dataclass(frozen=True)
class PlanCheck:
    """Whether the recorded plan of a year is what its inputs and the log produce."""

    year: int
    position: int | None
    head_position: int | None
    matches: bool
    differences: tuple[str, ...]
    selected: int = 0


def _chain_differences(reader: LogReader, up_to: int, head_position: int,
                       head_hash: str) -> tuple[list[str], str | None]:
    """The hash chain up to `up_to` recomputed; its hash at the head position."""
    found: list[str] = []
    prev, expected_seq, at_head = GENESIS, 1, None
    columns = "id, seq, hash, originator_id, originator_version, topic, state"
    for pos, seq, stored, oid, version, topic, state in reader.rows(up_to, columns):
        if seq != expected_seq:
            found.append(f"position {pos}: seq {seq} where {expected_seq} was expected "
                         "(events removed, reordered or inserted)")
        try:
            computed = link_hash(seq=seq, position=pos, originator_id=as_uuid(oid),
                                 originator_version=version, topic=topic, state=bytes(state),
                                 prev_hash=prev)
        except Exception as exc:  # noqa: BLE001 - an unreadable event is a finding
            computed = f"unreadable: {exc!r}"
        if computed != stored:
            found.append(f"position {pos}: the stored event does not match its chain hash "
                         "(the event, or the chain up to it, was altered)")
        if pos == head_position:
            at_head = stored
        prev, expected_seq = stored, (seq + 1 if isinstance(seq, int) else expected_seq + 1)
    if head_position == 0:
        at_head = GENESIS
    if at_head is None:
        found.append(f"the log has no event at the plan's head position {head_position}")
    elif at_head != head_hash:
        found.append(f"head_hash: the plan says {head_hash}, the chain hash at position "
                     f"{head_position} is {at_head} (the log up to the head was changed)")
    return found, at_head


def _draw_differences(plan: Any, recomputed: Any) -> list[str]:
    found = []
    if plan.seed != recomputed.seed:
        found.append(f"seed: the plan says {plan.seed}, recomputed {recomputed.seed}")
    if plan.candidates != len(recomputed.candidates):
        found.append(f"candidates: the plan says {plan.candidates}, recomputed "
                     f"{len(recomputed.candidates)}")
    stored = {s["agency"]: s for s in plan.selected}
    again = {s.agency: s for s in recomputed.selected}
    for code in sorted(stored.keys() - again.keys()):
        found.append(f"{code}: selected in the plan ({', '.join(stored[code]['reasons'])}) "
                     "but not by the recomputed draw")
    for code in sorted(again.keys() - stored.keys()):
        found.append(f"{code}: selected by the recomputed draw ({', '.join(again[code].reasons)}) "
                     "but missing from the plan")
    for code in sorted(stored.keys() & again.keys()):
        for name in ("reasons", "team"):
            was, now = list(stored[code][name]), list(getattr(again[code], name))
            if was != now:
                found.append(f"{code}: {name} in the plan {was}, recomputed {now}")
    return found


def verify_plan(ledger: Any, year: int) -> PlanCheck:
    """Recompute the draw of `year` from the stored plan event and the log as of its head."""
    reader = LogReader(ledger)
    try:
        events = reader.stream(InspectionPlan.create_id(year))
    except Exception as exc:  # noqa: BLE001 - a damaged plan event is a finding, not a crash
        return PlanCheck(year, None, None, False,
                         (f"the plan event cannot be read: {exc!r}"[:300],))
    if not events:
        raise NotFound(f"No inspection plan of {year}.")
    position, plan = events[0]
    found, head_hash = _chain_differences(reader, position, plan.head_position, plan.head_hash)
    if head_hash is not None:
        inputs = DrawInputs(plan.year, plan.drawn_on, plan.ratio, plan.seed_text,
                            inspectors_of(plan.inspectors), plan.head_position, head_hash,
                            plan.team_size)
        try:
            facts = agency_facts(reader.events(plan.head_position), plan.year, plan.drawn_on)
            found += _draw_differences(plan, draw(inputs, facts))
        except LedgerError as error:
            found.append(f"the draw cannot be recomputed: {error.message}")
        except Exception as exc:  # noqa: BLE001 - a damaged log is a finding, not a crash
            found.append(f"the log up to the head cannot be read: {exc!r}"[:300])
    return PlanCheck(year, position, plan.head_position, not found,
                     tuple(found[:MAX_DIFFERENCES]), len(plan.selected))


def plan_years(ledger: Any) -> list[int]:
    """The years whose inspection plan the log holds."""
    table = ledger.recorder.qualified_table()
    with ledger.engine.connect() as conn:
        rows = conn.execute(sa.text(f"SELECT originator_id FROM {table} WHERE topic LIKE "
                                    "'%InspectionPlanDrawn' ORDER BY id")).scalars().all()
    wanted = {InspectionPlan.create_id(y): y for y in range(1900, 3000)}
    return [wanted[u] for u in map(as_uuid, rows) if u in wanted]


def describe(check: PlanCheck) -> list[str]:
    """Lines a person reads: the verdict, then each difference."""
    if check.matches:
        return [f"inspection plan {check.year}: matches (position {check.position}, head "
                f"position {check.head_position}, {check.selected} selected)"]
    return [f"inspection plan {check.year}: DIFFERS from a recomputation "
            f"(position {check.position}, head position {check.head_position})",
            *(f"  {line}" for line in check.differences)]
