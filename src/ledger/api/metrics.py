"""Prometheus metrics: what each worker counts, and what is read from the database at scrape.

Counters and histograms live in this process (under gunicorn, in prometheus-client's
multiprocess files, one set per worker, summed at scrape). Figures that the database already
holds for every process alike (the log's head, each read model's position, lag and rebuild)
are read when /metrics is scraped, never counted in a worker. See docs/OPERATIONS.md.
"""

from __future__ import annotations

import os
import time

from flask import Flask, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess,
)
from prometheus_client import values
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

ENV = "PROMETHEUS_MULTIPROC_DIR"
# This process's own registry when not under gunicorn (tests, the screenshot server); in
# multiprocess mode the values go to ENV's files whatever the registry.
LOCAL = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("ledger_http_requests", "HTTP requests answered, by route and status.",
                   ["method", "route", "status"], registry=LOCAL)
LATENCY = Histogram("ledger_http_request_duration_seconds",
                    "Time from a request's arrival to its response, by route.",
                    ["method", "route"], registry=LOCAL,
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REFUSED = Counter("ledger_commands_refused", "Write requests (POST) refused, by reason.",
                  ["reason"], registry=LOCAL)
PROJECTOR_LEADING = Gauge("ledger_projector_leading", "1 in the worker whose projector feeds "
                          "the read models (summed over the workers: 1 while one runs).",
                          registry=LOCAL, multiprocess_mode="livesum")
PROJECTOR_APPLIED = Counter("ledger_projector_events_applied", "Events the projector applied, "
                            "by read model.", ["read_model"], registry=LOCAL)
PROJECTOR_FALLBACKS = Counter("ledger_projector_fallbacks", "Requests that applied events to "
                              "a read model themselves because the projector had not got "
                              "there in time, by read model.", ["read_model"], registry=LOCAL)
IMPORT_ROWS = Counter("ledger_import_rows", "Rows of uploaded import files, by outcome "
                      "(recorded, refused, not_recorded: valid rows of a refused file).",
                      ["outcome"], registry=LOCAL)

REASONS = {400: "unreadable", 401: "unauthenticated", 403: "not_permitted", 404: "not_found",
           405: "method_not_allowed", 409: "rule_violation", 413: "too_large",
           415: "unreadable", 422: "invalid_input", 429: "throttled"}


def route() -> str:
    """The URL rule that answered (never the raw path: one series per route, not per id)."""
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"


def started() -> None:
    g.metrics_start = time.perf_counter()


def observed(response):
    """after_request: count the request and its duration."""
    start = g.pop("metrics_start", None)
    path, method, status = route(), request.method, response.status_code
    REQUESTS.labels(method, path, str(status)).inc()
    if start is not None:
        LATENCY.labels(method, path).observe(time.perf_counter() - start)
    if method == "POST" and 400 <= status < 500:
        REFUSED.labels(REASONS.get(status, str(status))).inc()
    return response


def projector_leading(leading: bool) -> None:
    PROJECTOR_LEADING.set(1 if leading else 0)


def projector_applied(name: str, count: int) -> None:
    PROJECTOR_APPLIED.labels(name).inc(count)


def projector_fallback(name: str) -> None:
    PROJECTOR_FALLBACKS.labels(name).inc()


def count_import(report) -> None:
    """Rows of one uploaded import file, by what became of them."""
    refused = len(report.refused)
    if report.recorded:
        IMPORT_ROWS.labels("recorded").inc(report.accepted)
    else:
        IMPORT_ROWS.labels("not_recorded").inc(max(0, report.rows - refused))
    IMPORT_ROWS.labels("refused").inc(refused)


class ReadModels:
    """The log head and each read model's position, lag and rebuild, read at scrape."""

    def __init__(self, read_side) -> None:
        self.read_side = read_side

    def collect(self):
        up = GaugeMetricFamily("ledger_database_up", "1 when the read models' status could "
                               "be read from the database at this scrape, else 0.")
        try:
            rows = self.read_side.projections()
        except Exception:  # noqa: BLE001 - the scrape still reports the workers' counters
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        head = max((r["position"] + r["lag"] for r in rows), default=0)
        events = CounterMetricFamily("ledger_events_appended", "Events appended to the log "
                                     "(its head position), by any process.")
        events.add_metric([], head)
        position = GaugeMetricFamily("ledger_read_model_position",
                                     "Last log position a read model has applied.",
                                     labels=["read_model"])
        lag = GaugeMetricFamily("ledger_read_model_lag",
                                "Events in the log a read model has not applied yet.",
                                labels=["read_model"])
        rebuilding = GaugeMetricFamily("ledger_read_model_rebuilding",
                                       "1 while a new generation of the read model is built.",
                                       labels=["read_model"])
        progress = GaugeMetricFamily("ledger_read_model_rebuild_position",
                                     "Log position a running rebuild has reached (0 when none).",
                                     labels=["read_model"])
        seconds = GaugeMetricFamily("ledger_read_model_lag_seconds",
                                    "How long the oldest event a read model has not applied "
                                    "yet has been in the log (0 when up to date).",
                                    labels=["read_model"])
        try:
            waited = self.read_side.lag_seconds()
        except Exception:  # noqa: BLE001 - the other figures are still reported
            waited = {}
        for name, value in waited.items():
            seconds.add_metric([name], value)
        for r in rows:
            position.add_metric([r["name"]], r["position"])
            lag.add_metric([r["name"]], r["lag"])
            rebuilding.add_metric([r["name"]], 1 if r.get("rebuild_position") is not None else 0)
            progress.add_metric([r["name"]], r.get("rebuild_position") or 0)
        yield from (events, position, lag, seconds, rebuilding, progress)


def multiprocess_mode() -> bool:
    """Whether this process counts in ENV's files: prometheus-client decided when imported."""
    return values.ValueClass is not values.MutexValue and bool(os.environ.get(ENV))


class _Local:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def exposition(read_side) -> tuple[bytes, str]:
    """The Prometheus text of every worker's counters plus the read models' figures."""
    registry = CollectorRegistry(auto_describe=False)
    if multiprocess_mode():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Local(LOCAL))
    registry.register(ReadModels(read_side))
    return generate_latest(registry), CONTENT_TYPE_LATEST


def init_app(app: Flask) -> None:
    app.before_request(started)
    app.after_request(observed)
