"""The HTTP API of docs/API.md: an app factory over one Ledger and one ReadSide."""

from __future__ import annotations

import os

from flask import Flask

from ledger.api import (
    agencies, reference, deductions, disputes, evaluations, idempotency, months, operations, secondments,
    standings, training,
)
from ledger.api import inspections, limits, results
from ledger.api import calendars, whatif
from ledger.api.context import Services
from ledger.api.errors import LedgerApi, register_error_handlers
from ledger.api.idempotency import IdempotencyKeys
from ledger.api.ratelimit import AuthFailures, ThrottledTokens
from ledger.api.jsonprovider import LedgerJSONProvider
from ledger.application import Ledger
from ledger.config import database_url, today_in_china
from ledger.integrity.autosign import PublicationSigner
from ledger.projections.queries.queries import ReadSide
from ledger.web import init_web

# Each worker keeps the aggregates it loaded (an agency, the rule set) and reads only the
# events recorded since (eventsourcing's fast-forward), instead of replaying each for every
# command; commands get a copy, so a refused one leaves the cached aggregate as it was.
AGGREGATE_CACHE = {"AGGREGATE_CACHE_MAXSIZE": "2000", "AGGREGATE_CACHE_FASTFORWARD": "y"}

BLUEPRINTS = (agencies, deductions, disputes, training, secondments, evaluations, months,
              standings, operations, results, inspections, calendars, whatif)


def service_routes(app: Flask) -> None:
    """/healthz, /readyz, /metrics; request ids, request log lines and request metrics."""
    from ledger.api import health, metrics, requestlog

    requestlog.init_app(app)
    metrics.init_app(app)
    app.register_blueprint(health.service)
    reference.init_app(app)


def create_app(test_config: dict | None = None) -> Flask:
    """A Flask app serving the ledger at DATABASE_URL (default LEDGER_DATABASE_URL)."""
    app = Flask(__name__)
    app.json = LedgerJSONProvider(app)
    app.config.from_mapping(
        DATABASE_URL=None, TODAY=today_in_china, READ_SIDE=ReadSide, SIGNING_ENV=os.environ,
        PROJECTOR=False,
        AUTH_FAILURE_LIMIT=10, AUTH_FAILURE_WINDOW=900.0,
        API_TITLE="Assessment Ledger", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/api/v1", OPENAPI_JSON_PATH="openapi.json",
    )
    if test_config:
        app.config.from_mapping(test_config)
    url = database_url({"LEDGER_DATABASE_URL": app.config["DATABASE_URL"]}
                       if app.config["DATABASE_URL"] else None)
    ledger = Ledger(url=url, today=app.config["TODAY"], env=AGGREGATE_CACHE)
    app.extensions["ledger"] = Services(ledger, app.config["READ_SIDE"](ledger, today=app.config["TODAY"]),
                                        ThrottledTokens(ledger.engine, AuthFailures(
                                            ledger.engine, app.config["AUTH_FAILURE_LIMIT"],
                                            app.config["AUTH_FAILURE_WINDOW"])),
                                        IdempotencyKeys(ledger.engine),
                                        PublicationSigner.from_env(app.config["SIGNING_ENV"]))

    api = LedgerApi(app, spec_kwargs={"extra_plugins": [reference.LedgerPlugin()]})
    reference.complete(api)
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    for module in BLUEPRINTS:
        api.register_blueprint(module.blp)
    register_error_handlers(app)
    service_routes(app)  # before idempotency: every request is timed, logged and counted
    limits.init_app(app)  # before the Idempotency-Key store reads the body
    idempotency.init_app(app)
    init_web(app, ledger.engine)
    if app.config["PROJECTOR"]:
        follow(app)
    return app


def follow(app: Flask) -> None:
    """Feed the read models from a background projector (`ledger serve` asks for it).

    Under gunicorn each worker starts one and the one holding the server's lock file leads
    (projections/store/projector.py); a single process without that file simply leads.
    """
    from ledger.api import metrics
    from ledger.projections.store.projector import lock_path_from_env

    read_side = app.extensions["ledger"].read_side
    read_side.follow(lock_path_from_env(), on_leading=metrics.projector_leading,
                     on_applied=metrics.projector_applied,
                     on_fallback=metrics.projector_fallback)
