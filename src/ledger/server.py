"""gunicorn running the API app in several worker processes (one app per worker)."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication


class Server(BaseApplication):
    """gunicorn configured in code; each worker builds its own app (and database engine)."""

    def __init__(self, bind: str, workers: int) -> None:
        self.settings = {"bind": bind, "workers": workers, "preload_app": False,
                         "accesslog": "-", "timeout": 60}
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            self.cfg.set(key, value)

    def load(self):
        from ledger.api import create_app

        return create_app()
