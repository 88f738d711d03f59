"""Month publications and rule-set versions."""

from __future__ import annotations

from datetime import date

from eventsourcing.application import AggregateNotFoundError

from ledger.commands.base import Store, retrying
from ledger.domain.catalogue import RuleItem
from ledger.domain.principals import RECORD, Principal, authorize
from ledger.domain.publication import Month
from ledger.domain.ruleset import RuleSet
from ledger.unit_of_work import Recorded


@retrying
def publish_month(store: Store, by: Principal, month: str, published_on: date) -> Recorded:
    authorize(by, RECORD)
    try:
        record = store.load(Month.create_id(month))
        revision = record.republish(published_on, store.today(), by.name)
    except AggregateNotFoundError:
        record = Month.publish_first(month, published_on, store.today(), by.name)
        revision = 1
    return store.record(record, resource_id=month, revision=revision)


@retrying
def publish_rule_set_version(store: Store, by: Principal, version: str, effective_from: date,
                             items: list[RuleItem]) -> Recorded:
    authorize(by, RECORD)
    try:
        rules = store.load(RuleSet.create_id())
    except AggregateNotFoundError:
        rules = RuleSet(recorded_by=by.name)
    rules.publish_version(version, effective_from, items, by.name)
    return store.record(rules, resource_id=version)
