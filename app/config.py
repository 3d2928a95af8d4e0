"""Settings, read once from the environment so that one process can be pointed at any database."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def default_config() -> dict:
    """Defaults for a single machine: SQLite file in ./instance, processes/ and forms/ deployed at start."""
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", f"sqlite:///{ROOT / 'instance' / 'servicedesk.db'}"),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or os.urandom(32).hex(),
        "PROCESS_DIRS": [str(ROOT / "processes"), str(ROOT / "forms")],
        "DEPLOY_ON_START": True,
        "SCHEDULER_ENABLED": False,
        "TIMER_POLL_SECONDS": float(os.environ.get("TIMER_POLL_SECONDS", "5")),
        "TIMER_BATCH": 50,
        "WORKER_ID": os.environ.get("WORKER_ID") or f"{os.uname().nodename}:{os.getpid()}",
    }
