"""Who may do what: the role table of docs/API.md as data and one check."""

from __future__ import annotations

from dataclasses import dataclass

from ledger.domain.errors import NotPermitted

REGULATOR, REVIEWER, AUDITOR, AGENCY = "regulator", "reviewer", "auditor", "agency"
ROLES = (REGULATOR, REVIEWER, AUDITOR, AGENCY)

RECORD, FILE_DISPUTE, RESOLVE_DISPUTE, READ, READ_PUBLIC, OPERATE = (
    "record", "file a dispute", "resolve a dispute", "read", "read public", "operate")

ALLOWED = {
    RECORD: {REGULATOR},
    FILE_DISPUTE: {REGULATOR, AGENCY},
    RESOLVE_DISPUTE: {REVIEWER},
    READ: {REGULATOR, REVIEWER, AUDITOR, AGENCY},
    READ_PUBLIC: {REGULATOR, REVIEWER, AUDITOR, AGENCY},
    OPERATE: {REGULATOR, AUDITOR},
}


@dataclass(frozen=True)
class Principal:
    """An authenticated caller: the name recorded as `recorded_by`, a role, an agency's code."""

    name: str
    role: str
    agency: str | None = None


SYSTEM = Principal("system", REGULATOR)


def authorize(principal: Principal, action: str, agency: str | None = None) -> None:
    """Refuse unless the role may do `action`; an agency acts only on its own code."""
    if principal.role not in ALLOWED[action]:
        raise NotPermitted(f"Role {principal.role} may not {action}.")
    if principal.role == AGENCY and agency is not None and agency != principal.agency:
        raise NotPermitted(f"An agency token may only {action} for its own code ({principal.agency}).")

# Annual results (notice, objections, final results): who may do what.
FILE_OBJECTION, RESOLVE_OBJECTION = "file an objection", "resolve an objection"
ALLOWED[FILE_OBJECTION] = {REGULATOR, AGENCY}
ALLOWED[RESOLVE_OBJECTION] = {REVIEWER}

# What-if: standings under a draft rule-set version (records nothing).
PREVIEW_RULES = "preview a draft rule set"
ALLOWED[PREVIEW_RULES] = {REGULATOR, AUDITOR}
