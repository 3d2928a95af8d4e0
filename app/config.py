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
        # The scheduler wakes at the next due timer, and at least every TIMER_POLL_SECONDS to find timers
        # written where it cannot hear them (another process on SQLite, a lease run out). A claimed timer is
        # held for TIMER_LEASE_SECONDS; a failing one is tried TIMER_MAX_ATTEMPTS times, waiting
        # TIMER_RETRY_SECONDS, then twice that, and so on, before it becomes an incident.
        "TIMER_POLL_SECONDS": float(os.environ.get("TIMER_POLL_SECONDS", "5")),
        # A pass claims up to TIMER_BATCH due timers, TIMER_PER_COMMIT at a time, each such batch fired
        # in one transaction, on TIMER_THREADS threads (each its own connection) at once.
        "TIMER_BATCH": int(os.environ.get("TIMER_BATCH", "200")),
        "TIMER_PER_COMMIT": int(os.environ.get("TIMER_PER_COMMIT", "10")),
        "TIMER_THREADS": int(os.environ.get("TIMER_THREADS", "4")),
        "TIMER_LEASE_SECONDS": float(os.environ.get("TIMER_LEASE_SECONDS", "30")),
        "TIMER_MAX_ATTEMPTS": int(os.environ.get("TIMER_MAX_ATTEMPTS", "3")),
        "TIMER_RETRY_SECONDS": float(os.environ.get("TIMER_RETRY_SECONDS", "10")),
        # Request limits: a body over MAX_CONTENT_LENGTH is answered 413 before it is read; the
        # variables of one request are capped in number and in the JSON size of each value (400),
        # so that no single call can grow an instance's state without bound.
        "MAX_CONTENT_LENGTH": int(os.environ.get("MAX_CONTENT_LENGTH", str(8 * 1024 * 1024))),
        "MAX_VARIABLES": int(os.environ.get("MAX_VARIABLES", "500")),
        "MAX_VARIABLE_BYTES": int(os.environ.get("MAX_VARIABLE_BYTES", str(1024 * 1024))),
        # Notifications (app.services.relay): e-mail when SMTP_HOST is set, a signed webhook when
        # WEBHOOK_URL and WEBHOOK_SECRET are; otherwise they wait in the outbox and the in-app list.
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": int(os.environ.get("SMTP_PORT", "25")),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": os.environ.get("SMTP_STARTTLS", "").lower() in ("1", "true", "yes", "on"),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "servicedesk@localhost"),
        "WEBHOOK_URL": os.environ.get("WEBHOOK_URL", ""),
        "WEBHOOK_SECRET": os.environ.get("WEBHOOK_SECRET", ""),
        "RELAY_POLL_SECONDS": float(os.environ.get("RELAY_POLL_SECONDS", "5")),
        # A mail or webhook that failed RELAY_MAX_ATTEMPTS times is given up: kept, listed at
        # /admin/outbox, sent again only when an administrator asks
        "RELAY_MAX_ATTEMPTS": int(os.environ.get("RELAY_MAX_ATTEMPTS", "10")),
        # Links in mails and webhooks start with SITE_URL (http://servicedesk.example.com); unset, with
        # http://HOST:PORT, the address run.py listens on (app.links)
        "SITE_URL": os.environ.get("SITE_URL", ""),
        # Reverse proxies in front of the service (nginx alone: 1). Their X-Forwarded-For/-Proto/-Host then
        # name the client, so sign-in limits count per person's address, not the proxy's; 0 ignores them
        # (a client could otherwise claim any address).
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        "HOST": os.environ.get("HOST", "127.0.0.1"),
        "PORT": int(os.environ.get("PORT", "5000")),
        # The working-day calendar (app/workcal.py): working hours on working days, in this zone
        "WORKING_HOURS": os.environ.get("WORKING_HOURS", "09:00-18:00"),
        "WORKING_TIME_ZONE": os.environ.get("WORKING_TIME_ZONE", "Asia/Shanghai"),
        # Cron cycles of timer start events (0 0 16 ? * FRI), and their dates written without an offset,
        # are read in this zone: the working-day calendar's unless set apart
        "TIMER_CRON_TIME_ZONE": os.environ.get("TIMER_CRON_TIME_ZONE")
        or os.environ.get("WORKING_TIME_ZONE", "Asia/Shanghai"),
        "WORKER_ID": os.environ.get("WORKER_ID") or f"{os.uname().nodename}:{os.getpid()}",
    }
