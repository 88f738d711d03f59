"""`ledger serve`'s gunicorn settings: threads per worker, worker count by backend, and
GUNICORN_CMD_ARGS for everything else."""

from __future__ import annotations

from ledger.server import THREADS, Server, default_workers


def test_sqlite_gets_one_worker_per_two_cores_and_postgresql_more():
    assert default_workers("sqlite:///ledger.sqlite3", cpus=1) == 1
    assert default_workers("sqlite:///ledger.sqlite3", cpus=2) == 1
    assert default_workers("sqlite:///ledger.sqlite3", cpus=16) == 4
    assert default_workers("postgresql+psycopg://u@h/db", cpus=2) == 5
    assert default_workers("postgresql+psycopg://u@h/db", cpus=16) == 8


def test_workers_run_threads_and_the_environment_tunes_the_rest(monkeypatch):
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    server = Server(bind="127.0.0.1:5001", workers=3)
    assert server.cfg.threads == THREADS > 1 and server.cfg.workers == 3
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--threads 1 --workers 9 --bind 0.0.0.0:80 "
                                            "--keep-alive 7")
    server = Server(bind="127.0.0.1:5001", workers=3)
    assert server.cfg.threads == 1 and server.cfg.keepalive == 7
    assert server.cfg.workers == 3 and server.cfg.bind == ["127.0.0.1:5001"]


def test_the_default_worker_count_follows_the_store(monkeypatch):
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    monkeypatch.setenv("LEDGER_DATABASE_URL", "sqlite:////tmp/some.sqlite3")
    assert Server(bind="127.0.0.1:5001").cfg.workers == default_workers("sqlite:///x")
    monkeypatch.setenv("LEDGER_DATABASE_URL", "postgresql+psycopg://u@h/db")
    assert Server(bind="127.0.0.1:5001").cfg.workers == default_workers("postgresql://x")
