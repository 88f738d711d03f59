"""Who may do what (API.md's role table)."""

import pytest

from ledger.domain.errors import NotPermitted
from ledger.domain.principals import (
    FILE_DISPUTE, OPERATE, READ, RECORD, RESOLVE_DISPUTE, Principal, authorize,
)

A = "91341800H9EH9J1GRF"
ROLES = {r: Principal(r, r, A if r == "agency" else None)
         for r in ("regulator", "reviewer", "auditor", "agency")}
TABLE = {
    RECORD: {"regulator"},
    FILE_DISPUTE: {"regulator", "agency"},
    RESOLVE_DISPUTE: {"reviewer"},
    READ: {"regulator", "reviewer", "auditor", "agency"},
    OPERATE: {"regulator", "auditor"},
}


@pytest.mark.parametrize("action", TABLE)
@pytest.mark.parametrize("role", ROLES)
def test_role_table(action, role):
    if role in TABLE[action]:
        authorize(ROLES[role], action, A)
    else:
        with pytest.raises(NotPermitted, match=f"Role {role} may not"):
            authorize(ROLES[role], action, A)


def test_agency_may_act_only_for_its_own_code():
    with pytest.raises(NotPermitted, match="own code"):
        authorize(ROLES["agency"], FILE_DISPUTE, "91341800NNDMLAR0UG")
