"""Every write route of the API with a valid body on `build_world`'s world, its text fields
and their limits, and its date and figure fields: for the input-edge and fuzz tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from ledger.domain.text import NAME_LIMIT as NAME, TEXT_LIMIT as TEXT
from tests.api.conftest import A, B, C, World


@dataclass
class Route:
    name: str
    role: str
    path: str
    body: dict
    texts: dict[str, int] = field(default_factory=dict)  # field -> limit
    dates: tuple[str, ...] = ()


def write_routes(w: World) -> list[Route]:
    return [
        Route("register", "regulator", "/api/v1/agencies",
              {"credit_code": C, "name": "宛陵代理", "registered_on": "2020-01-01"},
              {"name": NAME}, ("registered_on",)),
        Route("deregister", "regulator", f"/api/v1/agencies/{B}/deregistration",
              {"deregistered_on": "2023-01-01", "reason": "closed"},
              {"reason": TEXT}, ("deregistered_on",)),
        Route("deduction", "regulator", f"/api/v1/agencies/{A}/deductions",
              {"rule_code": "D01", "found_on": "2022-04-01", "reason": "late",
               "project_ref": "P-1", "evidence": {"document": "doc-1"}},
              {"reason": TEXT, "project_ref": NAME}, ("found_on",)),
        Route("dispute", "regulator", f"/api/v1/deductions/{w.deduction_b}/disputes",
              {"grounds": "it was on time", "filed_on": "2022-01-12"}, {"grounds": TEXT},
              ("filed_on",)),
        Route("withdrawal", "regulator", f"/api/v1/deductions/{w.deduction_b}/withdrawal",
              {"reason": "wrong agency"}, {"reason": TEXT}),
        Route("rectification", "regulator",
              f"/api/v1/deductions/{w.deduction_a_undisputed}/rectification",
              {"completed_on": "2022-03-12", "note": "fixed"}, {"note": TEXT},
              ("completed_on",)),
        Route("resolution", "reviewer", f"/api/v1/disputes/{w.dispute_a}/resolution",
              {"outcome": "upheld", "reasoning": "late indeed", "decided_on": "2022-01-20"},
              {"reasoning": TEXT}, ("decided_on",)),
        Route("session", "regulator", "/api/v1/training-sessions",
              {"kind": "lecture", "held_on": "2022-03-01", "topic": "law", "hours": 2},
              {"topic": TEXT}, ("held_on",)),
        Route("attendance", "regulator", f"/api/v1/training-sessions/{w.session}/attendance",
              {"agency": A, "staff_ref": "E9", "staff_name": "李四"},
              {"staff_ref": NAME, "staff_name": NAME}),
        Route("secondment", "regulator", f"/api/v1/agencies/{A}/secondments",
              {"staff_ref": "E9", "staff_name": "李四", "department": "监管科",
               "started_on": "2022-06-01"},
              {"staff_ref": NAME, "staff_name": NAME, "department": NAME}, ("started_on",)),
        Route("completion", "regulator", f"/api/v1/secondments/{w.secondment_a}/completion",
              {"ended_on": "2022-06-30"}, {}, ("ended_on",)),
        Route("rating", "regulator", f"/api/v1/agencies/{A}/purchaser-ratings",
              {"rated_on": "2022-05-01", "purchaser": "市教育局", "project_ref": "P-2",
               "rating": 90.5}, {"purchaser": NAME, "project_ref": NAME}, ("rated_on",)),
        Route("provincial", "regulator", f"/api/v1/agencies/{A}/provincial-evaluations",
              {"year": 2022, "score": 90.25}),
        Route("publication", "regulator", "/api/v1/months/2022-01/publication",
              {"published_on": "2022-02-05"}, {}, ("published_on",)),
    ]
