"""`ledger serve` as a subprocess on a free loopback port, for tests that stop or kill it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.api.test_serve import call, free_port

__all__ = ["Served", "call", "ledger_command", "serve"]


def ledger_command(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `python -m ledger.cli ARGS` with `env`; its output as text."""
    return subprocess.run([sys.executable, "-m", "ledger.cli", *args], env=env, check=check,
                          capture_output=True, text=True, timeout=300)


@dataclass
class Served:
    """A running `ledger serve`: its base URL, process and log file."""

    base: str
    process: subprocess.Popen
    log: Path

    def kill(self) -> None:
        """SIGKILL the whole process group: the gunicorn master and every worker."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=30)


def serve(env: dict, log: Path, workers: int = 2) -> Served:
    """Start `ledger serve` in its own process group and wait until it answers."""
    port = free_port()
    handle = open(log, "a")
    process = subprocess.Popen([sys.executable, "-m", "ledger.cli", "serve", "--port", str(port),
                                "--workers", str(workers)], env=env, stdout=handle,
                               stderr=subprocess.STDOUT, start_new_session=True)
    handle.close()
    served = Served(f"http://127.0.0.1:{port}", process, log)
    for _ in range(600):  # bounded: at most about a minute
        try:
            urllib.request.urlopen(served.base + "/api/v1/openapi.json", timeout=5)
            return served
        except OSError:
            if process.poll() is not None:
                raise RuntimeError(f"ledger serve exited: {log.read_text()}")
            time.sleep(0.1)
    served.stop()
    raise RuntimeError("ledger serve did not answer within a minute")
