"""Month publications and rule-set versions."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from eventsourcing.application import AggregateNotFoundError

from ledger.domain.catalogue import RuleItem
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.domain.publication import Month
from ledger.domain.ruleset import RuleSet

if TYPE_CHECKING:
    from ledger.application import Recorded


class PublicationCommands:
    """Commands of the Ledger: month publications and rule-set versions."""

    def publish_month(self, by: Principal, month: str, published_on: date) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            try:
                record = self._load(Month.create_id(month))
                revision = record.republish(published_on, self.today(), by.name)
            except AggregateNotFoundError:
                record = Month.publish_first(month, published_on, self.today(), by.name)
                revision = 1
            return self._commit(record, resource_id=month, revision=revision)
        return self._retrying(attempt)

    def publish_rule_set_version(self, by: Principal, version: str, effective_from: date,
                                 items: list[RuleItem]) -> Recorded:
        authorize(by, RECORD)

        def attempt() -> Recorded:
            try:
                rules = self._load(RuleSet.create_id())
            except AggregateNotFoundError:
                rules = RuleSet(recorded_by=by.name)
            rules.publish_version(version, effective_from, items, by.name)
            return self._commit(rules, resource_id=version)
        return self._retrying(attempt)
