"""Service routes outside /api/v1: liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import logging
import threading

import sqlalchemy as sa
from flask import Blueprint, Response, current_app, jsonify

from ledger.api import metrics
from ledger.api.context import services
from ledger.api.errors import error_response

log = logging.getLogger(__name__)
service = Blueprint("service", __name__)

# Events a read model may be behind the log and still count as ready (READY_MAX_LAG).
# Reads catch a model up themselves, so a lag this large means nothing has read for a
# while after a bulk write, or the model is stuck on an event.
READY_MAX_LAG = 10_000


@service.get("/healthz")
def healthz():
    """200 while the process serves requests; touches nothing else."""
    return jsonify({"status": "ok"})


@service.get("/readyz")
def readyz():
    """200 when the database answers and every read model is within its lag bound."""
    bound = current_app.config.get("READY_MAX_LAG", READY_MAX_LAG)
    try:
        with services().ledger.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        models = services().read_side.projections()
    except Exception as error:  # noqa: BLE001 - any failure to answer is "not ready"
        log.warning("readiness: the database did not answer: %s", error)
        return error_response(503, "Not ready: the database did not answer.",
                              {"database": [type(error).__name__]})
    problems = {m["name"]: [problem] for m in models if (problem := model_problem(m, bound))}
    if problems:
        catch_up_in_background()
        return error_response(503, "Not ready: " + "; ".join(
            f"{name}: {p[0]}" for name, p in sorted(problems.items())) + ".", problems)
    return jsonify({"status": "ready", "read_models": [
        {key: m.get(key) for key in ("name", "position", "lag", "status")} for m in models]})


def model_problem(model: dict, bound: int) -> str | None:
    """Why one read model keeps the service from being ready, if it does."""
    failure = model.get("failure")
    if failure:
        return f"stopped at position {failure['position']}: {failure['error']}"
    if model["lag"] > bound:
        return f"{model['lag']} events behind the log (bound {bound})"
    return None


_catching_up = threading.Lock()


def catch_up_in_background() -> None:
    """Apply what the read models miss in a thread, so the next probe may find them ready.

    A load balancer sends no reads to a server that is not ready, and reads are what catch
    the models up: without this, a lag past the bound would never shrink.
    """
    if not _catching_up.acquire(blocking=False):
        return  # one catch-up per worker at a time
    read_side = services().read_side

    def run() -> None:
        try:
            read_side.refresh()
        except Exception:  # noqa: BLE001 - a stuck model stays reported by /readyz
            log.exception("readiness: catching up the read models failed")
        finally:
            _catching_up.release()
    threading.Thread(target=run, name="readyz catch-up", daemon=True).start()


@service.get("/metrics")
def prometheus_metrics():
    """Prometheus text format: requests, latency, refusals, imports, the read models."""
    body, content_type = metrics.exposition(services().read_side)
    return Response(body, content_type=content_type)
