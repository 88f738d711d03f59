"""The yearly inspection draw (双随机一公开 with 重点检查) as one pure function (no I/O, no clock)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from ledger.domain.credit_code import credit_code_problem
from ledger.domain.errors import Conflicting, RuleViolation, collect
from ledger.domain.text import NAME_LIMIT, text_problem

KEY_INSPECTION, COMPLAINTS, SERIOUS_REPEAT, NEW_AGENCY, RANDOM = (
    "key_inspection", "complaints", "serious_repeat", "new_agency", "random")
MANDATORY_REASONS = (KEY_INSPECTION, COMPLAINTS, SERIOUS_REPEAT, NEW_AGENCY)
COMPLAINT_D12S = 3  # counting D12 found in Y-1
SERIOUS_REPEATS = 2  # counting serious deductions found in Y-3 .. Y-1
NEW_AGENCY_DAYS = 730  # registered within the 730 days before drawn_on
DEFAULT_TEAM_SIZE = 2
RATIO_PLACES = 6  # a finer share means nothing for a city's agencies, and bounds the arithmetic


@dataclass(frozen=True)
class Inspector:
    """One inspector of the pool and the agencies they must not inspect (回避)."""

    name: str
    conflicts: tuple[str, ...] = ()


@dataclass(frozen=True)
class DrawInputs:
    """What the regulator gives, plus the head of the log the draw is computed at."""

    year: int
    drawn_on: date
    ratio: Decimal
    seed_text: str
    inspectors: tuple[Inspector, ...]
    head_position: int
    head_hash: str
    team_size: int = DEFAULT_TEAM_SIZE


@dataclass(frozen=True)
class AgencyFacts:
    """What the draw needs to know of one agency, as of the head position."""

    credit_code: str
    registered_on: date
    deregistered_on: date | None
    key_inspection: bool  # the key_inspection flag of its evaluation of Y-1
    counting_d12: dict[int, int]  # year found -> counting D12 deductions
    counting_serious: dict[int, int]  # year found -> counting serious deductions
    inspected_on: tuple[date, ...] = ()  # its recorded inspections


@dataclass(frozen=True)
class Selection:
    """A selected agency, why, and its team."""

    agency: str
    reasons: tuple[str, ...]
    team: tuple[str, ...]


@dataclass(frozen=True)
class Draw:
    """The result: seed, candidates, the mandatory list, the random ranking and the selection."""

    seed: str
    candidates: tuple[str, ...]
    mandatory: dict[str, tuple[str, ...]]
    ranking: tuple[tuple[str, str], ...]  # (credit code, its hash), non-mandatory, ascending
    drawn: int  # k
    selected: tuple[Selection, ...]  # in credit-code order


def inspectors_of(entries: Iterable[dict]) -> tuple[Inspector, ...]:
    """`[{name, conflicts}]` as Inspectors (conflicts default to none)."""
    return tuple(Inspector(e.get("name"), tuple(e.get("conflicts") or ())) for e in entries)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seed_of(year: int, drawn_on: date, seed_text: str, head_hash: str) -> str:
    """The seed: SHA-256 of "{Y}|{drawn_on}|{seed_text}|{head_hash}"."""
    return sha256_hex(f"{year}|{drawn_on.isoformat()}|{seed_text}|{head_hash}")


def agency_hash(seed: str, code: str) -> str:
    return sha256_hex(f"{seed}|{code}")


def inspector_hash(seed: str, code: str, name: str) -> str:
    return sha256_hex(f"{seed}|{code}|{name}")


def is_candidate(facts: AgencyFacts, drawn_on: date) -> bool:
    """Registered on drawn_on: registered on or before it, not deregistered on or before it."""
    return facts.registered_on <= drawn_on and (
        facts.deregistered_on is None or facts.deregistered_on > drawn_on)


def mandatory_reasons(facts: AgencyFacts, year: int, drawn_on: date) -> tuple[str, ...]:
    """Every 重点检查 reason that applies to a candidate, in the order of the rules."""
    reasons = []
    if facts.key_inspection:
        reasons.append(KEY_INSPECTION)
    if facts.counting_d12.get(year - 1, 0) >= COMPLAINT_D12S:
        reasons.append(COMPLAINTS)
    if sum(facts.counting_serious.get(y, 0) for y in range(year - 3, year)) >= SERIOUS_REPEATS:
        reasons.append(SERIOUS_REPEAT)
    if (0 <= (drawn_on - facts.registered_on).days <= NEW_AGENCY_DAYS
            and not any(d < drawn_on for d in facts.inspected_on)):
        reasons.append(NEW_AGENCY)
    return tuple(reasons)


def random_count(ratio: Decimal, n: int) -> int:
    """k = ⌈ratio × n⌉, exactly (a Decimal converts to a Fraction without loss)."""
    return math.ceil(Fraction(ratio) * n)


def team_for(seed: str, code: str, inspectors: Iterable[Inspector], size: int) -> tuple[str, ...]:
    """The first `size` inspectors by SHA-256 rank who have no conflict with the agency."""
    ranked = sorted(inspectors, key=lambda i: inspector_hash(seed, code, i.name))
    team = tuple(i.name for i in ranked if code not in i.conflicts)[:size]
    if len(team) < size:
        raise RuleViolation(
            f"Too few inspectors for agency {code}: {len(team)} without a conflict (回避), "
            f"{size} needed; add inspectors or lower team_size.")
    return team


def draw(inputs: DrawInputs, agencies: Iterable[AgencyFacts]) -> Draw:
    """The plan of year Y: mandatory candidates, k random ones, and a team for each."""
    seed = seed_of(inputs.year, inputs.drawn_on, inputs.seed_text, inputs.head_hash)
    candidates = sorted((f for f in agencies if is_candidate(f, inputs.drawn_on)),
                        key=lambda f: f.credit_code)
    mandatory = {f.credit_code: r for f in candidates
                 if (r := mandatory_reasons(f, inputs.year, inputs.drawn_on))}
    others = [f.credit_code for f in candidates if f.credit_code not in mandatory]
    ranking = tuple(sorted(((c, agency_hash(seed, c)) for c in others), key=lambda p: p[1]))
    k = random_count(inputs.ratio, len(others))
    reasons = {**mandatory, **{code: (RANDOM,) for code, _ in ranking[:k]}}
    selected = tuple(Selection(code, reasons[code],
                               team_for(seed, code, inputs.inspectors, inputs.team_size))
                     for code in sorted(reasons))
    return Draw(seed, tuple(f.credit_code for f in candidates), mandatory, ranking, k, selected)


def decimal_places(value: Decimal) -> int:
    """Digits after the point, trailing zeros aside (no context: 1E-999999999 stays exact)."""
    _, digits, exponent = value.as_tuple()
    significant = "".join(map(str, digits)).rstrip("0")
    return max(0, -(int(exponent) + len(digits) - len(significant)))


def check_draw_inputs(inputs: DrawInputs, today: date) -> None:
    """The inputs' own rules; InvalidInput naming every bad field."""
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    if inputs.year != today.year:
        bad("year", Conflicting(f"must be the current year ({today.year}), got {inputs.year}"))
    if inputs.drawn_on.year != inputs.year:
        bad("drawn_on", Conflicting(f"must lie in {inputs.year}, got {inputs.drawn_on.isoformat()}"))
    if inputs.drawn_on > today:
        bad("drawn_on", Conflicting(f"must not be after today ({today.isoformat()}), "
                                    f"got {inputs.drawn_on.isoformat()}"))
    if not (inputs.ratio.is_finite() and 0 < inputs.ratio <= 1):
        bad("ratio", f"must be a decimal with 0 < ratio <= 1, got {inputs.ratio}")
    elif decimal_places(inputs.ratio) > RATIO_PLACES:
        bad("ratio", f"must have at most {RATIO_PLACES} decimal places, got {inputs.ratio}")
    if type(inputs.team_size) is not int or inputs.team_size < 1:
        bad("team_size", f"must be a whole number of at least 1, got {inputs.team_size}")
    problem = text_problem(inputs.seed_text, limit=NAME_LIMIT)
    if problem:
        bad("seed_text", problem)
    _check_inspectors(inputs, bad)
    # Conflicts with today's date or between fields answer 409, the rest 422 (errors.collect).
    collect(*[(field, message) for field, messages in errors.items() for message in messages])


def _check_inspectors(inputs: DrawInputs, bad) -> None:
    names = [i.name for i in inputs.inspectors]
    for index, inspector in enumerate(inputs.inspectors):
        problem = text_problem(inspector.name, limit=NAME_LIMIT)
        if problem:
            bad(f"inspectors.{index}.name", problem)
        for code in inspector.conflicts:
            problem = credit_code_problem(code)
            if problem:
                bad(f"inspectors.{index}.conflicts", f"{code!r}: {problem}")
    repeated = sorted({n for n in names if names.count(n) > 1 and isinstance(n, str)})
    if repeated:
        bad("inspectors", Conflicting(f"names must be distinct; repeated: "
                                      f"{', '.join(repeated)}"))
    if type(inputs.team_size) is int and len(names) < inputs.team_size:
        bad("inspectors", Conflicting(f"at least team_size ({inputs.team_size}) inspectors "
                                      f"are needed, got {len(names)}"))
