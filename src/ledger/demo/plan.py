"""The demo's history as a plan: dated operations, month by month, the same for the same seed."""

from __future__ import annotations

import heapq
import random
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from ledger.demo import people
from ledger.demo.people import DemoAgency
from ledger.demo.plan_agency import CODES, WEIGHTS, AgencyPlans, Op
from ledger.domain.calendar import is_working_day
from ledger.domain.catalogue import Catalogue
from ledger.domain.scoring import month_bounds
from ledger.projections.model.views import months_touched

FIRST_RULES = date(2022, 1, 1)
RISKS = (0.2, 0.5, 0.8, 1.0, 1.3, 2.0, 3.5)


def first_day(years: int, until: date) -> date:
    """Start of the history: 1 January, `years` calendar years back, not before the rules."""
    return max(FIRST_RULES, date(until.year - years + 1, 1, 1))


class Planner(AgencyPlans):
    """Plans agencies, findings and their consequences, training, ratings and publications."""

    def __init__(self, agencies: int, years: int, seed: int, until: date) -> None:
        self.rng = random.Random(seed)
        self.count, self.until = agencies, until
        self.start = first_day(years, until)
        self.catalogue = Catalogue()
        self.queue: list[tuple[date, int, Op]] = []
        self.serial = 0
        self.agencies: list[DemoAgency] = []

    def schedule(self, day: date, kind: str, /, **fields: Any) -> bool:
        """Plan an operation; one that would lie after `until` is left out (says False)."""
        if day > self.until:
            return False
        self.serial += 1
        heapq.heappush(self.queue, (day, self.serial, Op(day, kind, fields)))
        return True

    def ref(self, prefix: str) -> str:
        self.serial += 1
        return f"{prefix}{self.serial}"

    def working_day(self, first: date, last: date) -> date:
        """A random working day from first to last (first itself when there is none)."""
        span = (last - first).days
        for _ in range(8):
            day = first + timedelta(days=self.rng.randint(0, max(0, span)))
            if is_working_day(day):
                return day
        return first

    def months(self) -> Iterator[tuple[str, list[Op]]]:
        """Each month of the history with the operations dated in it, in business order."""
        self._register_agencies()
        for month in months_touched(self.start, self.until):
            self._plan_month(month)
            last = min(month_bounds(month)[1], self.until)
            ops = []
            while self.queue and self.queue[0][0] <= last:
                ops.append(heapq.heappop(self.queue)[2])
            yield month, ops

    def ops(self) -> list[Op]:
        return [op for _, ops in self.months() for op in ops]

    def _register_agencies(self) -> None:
        rng, taken = self.rng, set()
        history = (self.until - self.start).days
        for n in range(1, self.count + 1):
            if rng.random() < 0.9:
                registered = self.start - timedelta(days=rng.randint(30, 3650))
            else:
                registered = self.start + timedelta(days=rng.randint(0, max(0, history - 30)))
            deregistered = None
            if rng.random() < 0.03:
                deregistered = self.start + timedelta(days=rng.randint(60, max(60, history)))
                if deregistered > self.until or deregistered < registered + timedelta(days=60):
                    deregistered = None
            agency = DemoAgency(people.credit_code(rng, taken), people.agency_name(rng, n),
                                registered, deregistered, people.staff(rng),
                                rng.choice(RISKS), rng.choices(CODES, WEIGHTS)[0])
            self.agencies.append(agency)
            self.schedule(min(registered, self.start), "register", code=agency.code,
                          name=agency.name, registered_on=registered)
            if deregistered is not None:
                self.schedule(deregistered, "deregister", code=agency.code,
                              deregistered_on=deregistered, reason="business closed")

    def _plan_month(self, month: str) -> None:
        first, last = month_bounds(month)
        last = min(last, self.until)
        rng = self.rng
        online = (self.ref("s"), self.working_day(first, first + timedelta(days=6)))
        self.schedule(online[1], "session", ref=online[0], kind="online", held_on=online[1],
                      topic=f"{month} 线上自学：政府采购法规", hours=Decimal("2"))
        if first.month in (2, 5, 8, 11):
            self.lecture(self.working_day(first + timedelta(days=12), first + timedelta(days=18)),
                         month)
        visits = [a for a in self.agencies if a.active_on(first) and rng.random() < 1 / 12]
        for agency in visits:
            self.onsite_visit(agency, self.working_day(first, min(last, agency.deregistered_on
                                                                  or last)))
        for agency in self.agencies:
            if agency.active_on(first) or agency.active_on(last):
                self.agency_month(agency, first, last, online)
        if first.month == 3:
            self._provincial(first.year - 1, first)
        previous = months_touched(first - timedelta(days=1), first - timedelta(days=1))[0]
        if first - timedelta(days=1) >= self.start:
            published = first + timedelta(days=rng.randint(4, 9))
            if self.schedule(published, "publish", month=previous, published_on=published) \
                    and rng.random() < 0.15:
                again = published + timedelta(days=rng.randint(10, 18))
                self.schedule(again, "publish", month=previous, published_on=again)

    def _provincial(self, year: int, first: date) -> None:
        rng = self.rng
        for agency in self.agencies:
            if agency.registered_on.year > year or not agency.active_on(date(year, 12, 31)):
                continue
            day = first + timedelta(days=rng.randint(0, 27))
            score = Decimal(min(100, max(40, round(rng.gauss(84, 7)))))
            self.schedule(day, "provincial", agency=agency.code, year=year, score=score)
            if rng.random() < 0.02:  # a corrected score supersedes the first
                self.schedule(day + timedelta(days=60), "provincial", agency=agency.code,
                              year=year, score=min(Decimal(100), score + 3))
