"""What happens to one agency in a month: findings and their aftermath, training, ratings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledger.demo.people import DEPARTMENTS, DemoAgency
from ledger.domain.calendar import working_days_after

# Relative frequencies of findings by catalogue code (D15, D16, D17 arise from other facts).
FINDINGS = {"D01": 15, "D02": 12, "D03": 12, "D13": 10, "D11": 8, "D06": 6, "D08": 6,
            "D04": 5, "D09": 5, "D14": 4, "D05": 2, "D07": 1.5, "D10": 1, "D12": 1, "D18": 0.2}
CODES, WEIGHTS = list(FINDINGS), list(FINDINGS.values())
OUTCOMES, OUTCOME_WEIGHTS = ("upheld", "reduced", "overturned"), (50, 25, 25)
FINDINGS_PER_MONTH = 0.45  # for an agency of average risk


@dataclass(frozen=True)
class Op:
    """One command of the plan: its business day, its kind and its fields."""

    day: date
    kind: str
    fields: dict[str, Any]


class AgencyPlans:
    """The per-agency part of the Planner (it supplies rng, schedule, ref, working_day)."""

    def agency_month(self, agency: DemoAgency, first: date, last: date,
                     online: tuple[str, date]) -> None:
        rng = self.rng
        lo = max(first, agency.registered_on)
        hi = min(last, agency.deregistered_on or last)
        if lo > hi:
            return
        findings = 0
        rate = FINDINGS_PER_MONTH * agency.risk
        while rng.random() < rate / (1 + rate):  # geometric, with mean `rate`
            findings += 1
        for _ in range(findings):
            # Agencies repeat their habitual failing, so doubling within 90 days happens.
            code = agency.habit if rng.random() < 0.35 else rng.choices(CODES, WEIGHTS)[0]
            self.deduction(agency, code, self.working_day(lo, hi))
        for staff_ref, staff_name in agency.staff:
            if rng.random() < 0.04 and agency.active_on(online[1]):
                self.schedule(online[1] + timedelta(days=rng.randint(1, 20)), "attend",
                              sess=online[0],
                              agency=agency.code, staff_ref=staff_ref, staff_name=staff_name)
        if rng.random() < 0.25:
            self._rating(agency, self.working_day(lo, hi), rng.gauss(86, 8))
        if rng.random() < 0.005 and agency.seconded_until < lo:
            self._secondment(agency, self.working_day(lo, hi))

    def deduction(self, agency: DemoAgency, code: str, found: date) -> None:
        """A finding and its aftermath: withdrawal, dispute, rectification on time or late."""
        rng = self.rng
        if not agency.active_on(found):
            return
        item = self.catalogue.version_on(found).items[code]
        notified = min(found + timedelta(days=rng.choice((0, 0, 0, 1, 2, 3))), self.until)
        ref = self.ref("d")
        regulator = rng.choice(("li.regulator", "zhao.regulator", "sun.regulator"))
        if not self.schedule(found, "deduct", ref=ref, code=agency.code, rule_code=code,
                             found_on=found, notified_on=notified, by=regulator,
                             reason=f"{code} 检查发现", project_ref=f"P{found:%Y%m}-{self.serial}"):
            return
        if rng.random() < 0.03:
            day = notified + timedelta(days=rng.randint(2, 20))
            self.schedule(day, "withdraw", ded=ref, reason="recorded in error")
            return
        outcome = None
        if rng.random() < 0.12:
            deadline = working_days_after(notified, 5)
            filed = notified + timedelta(days=rng.randint(0, (deadline - notified).days))
            disp = self.ref("x")
            # Back-filled history: every dispute is a paper submission entered by a regulator
            # (an agency's own filing is dated today by the ledger). The draw that chose paper
            # or not is kept, so a seed's history is otherwise as it was.
            rng.random()
            self.schedule(filed, "dispute", ded=ref, ref=disp, grounds="申辩：事实不清",
                          filed_on=filed, by=regulator)
            if rng.random() < 0.9:
                outcome = rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0]
                points = None
                if outcome == "reduced":
                    points = Decimal(rng.randint(1, int(item.points * 2) - 1)) / 2
                decided = filed + timedelta(days=rng.randint(3, 20))
                self.schedule(decided, "resolve", disp=disp, outcome=outcome, points=points,
                              reasoning="复核意见", decided_on=decided)
        if not item.rectifiable or outcome == "overturned":
            return
        due = working_days_after(notified, 20 if item.serious else 10)
        chance = rng.random()
        if chance < 0.8:
            done = notified + timedelta(days=rng.randint(1, (due - notified).days))
            self.schedule(done, "rectify", ded=ref, completed_on=done, note="已整改")
            return
        if chance < 0.9:
            done = due + timedelta(days=rng.randint(1, 15))
            self.schedule(done, "rectify", ded=ref, completed_on=done, note="逾期整改")
        if rng.random() < 0.6:
            self.deduction(agency, "D17", working_days_after(due, rng.randint(1, 8)))

    def lecture(self, held: date, month: str) -> None:
        """A quarterly centralized lecture: most agencies attend, an absence may cost D15."""
        rng, session = self.rng, self.ref("s")
        self.schedule(held, "session", ref=session, kind="lecture", held_on=held,
                      topic=f"{month} 集中讲学", hours=Decimal("3"))
        for agency in self.agencies:
            if not agency.active_on(held):
                continue
            if rng.random() < 0.88:
                for staff_ref, staff_name in rng.sample(agency.staff, rng.randint(1, 2)):
                    self.schedule(held, "attend", sess=session, agency=agency.code,
                                  staff_ref=staff_ref, staff_name=staff_name)
            elif rng.random() < 0.6:
                self.deduction(agency, "D15", held + timedelta(days=rng.randint(1, 6)))

    def onsite_visit(self, agency: DemoAgency, held: date) -> None:
        """On-site supervision: staff trained, a purchaser asked, a low rating may cost D16."""
        rng, session = self.rng, self.ref("s")
        self.schedule(held, "session", ref=session, kind="onsite", held_on=held,
                      topic=f"上门督学：{agency.name}", hours=Decimal("1.5"))
        for staff_ref, staff_name in rng.sample(agency.staff, rng.randint(1, 3)):
            self.schedule(held, "attend", sess=session, agency=agency.code, staff_ref=staff_ref,
                          staff_name=staff_name)
        rating = rng.gauss(80, 12)
        self._rating(agency, held, rating)
        if rating < 69.5 and rng.random() < 0.8:
            self.deduction(agency, "D16", held + timedelta(days=rng.randint(1, 5)))

    def _rating(self, agency: DemoAgency, day: date, value: float) -> None:
        n = agency.counters["rating"] = agency.counters.get("rating", 0) + 1
        self.schedule(day, "rating", agency=agency.code, rated_on=day,
                      purchaser=f"采购人{n % 17 + 1}", project_ref=f"R{day:%Y%m%d}-{n}",
                      rating=Decimal(min(100, max(0, round(value)))))

    def _secondment(self, agency: DemoAgency, started: date) -> None:
        rng, ref = self.rng, self.ref("c")
        staff_ref, staff_name = rng.choice(agency.staff)
        ended = started + timedelta(days=rng.randint(20, 120))
        agency.seconded_until = ended
        self.schedule(started, "second_start", ref=ref, agency=agency.code, staff_ref=staff_ref,
                      staff_name=staff_name, department=rng.choice(DEPARTMENTS),
                      started_on=started)
        if agency.deregistered_on is None or ended <= agency.deregistered_on:
            self.schedule(ended, "second_end", sec=ref, ended_on=ended)

