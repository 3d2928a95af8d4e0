"""Absolute addresses for what leaves the service: a link in a mail or a webhook is read far from the site.

Handlers write a link as a site path (``/portal/surveys/…``) in a notification
parameter named ``link`` or ``…_link``; the page shows it as is, while the relay
puts ``SITE_URL`` in front of it. Without ``SITE_URL`` the address is derived
from the host and port the service listens on — right on one machine, wrong
behind a proxy — so start-up says so once and ``GET /health`` warns.
"""
from __future__ import annotations

import logging
import socket
from typing import Any, Mapping

from flask import Flask

log = logging.getLogger(__name__)

WILDCARD_HOSTS = ("", "0.0.0.0", "::", "[::]")
_warned = False


def site_url(settings: Mapping[str, Any]) -> str:
    """``SITE_URL`` without its trailing slash, else ``http://<host>:<port>`` of the service itself."""
    configured = str(settings.get("SITE_URL") or "").strip()
    if configured:
        return configured.rstrip("/")
    host = str(settings.get("HOST") or "")
    if host in WILDCARD_HOSTS:
        host = socket.getfqdn()  # listening on every address: the machine's name is what others can reach
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{int(settings.get('PORT') or 5000)}"


def is_link(name: str) -> bool:
    """The parameter names that carry a site path (the convention handlers follow)."""
    return name == "link" or name.endswith("_link")


def absolute(base: str, value: Any) -> Any:
    """``base`` + a site path; anything else (an address already absolute, a text) unchanged."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//"):
        return base + value
    return value


def absolute_params(base: str, params: Mapping[str, Any]) -> dict[str, Any]:
    """Notification parameters with every link made absolute from ``base``."""
    return {name: absolute(base, value) if is_link(name) else value for name, value in params.items()}


def health(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The site address's part of ``GET /health``: ``warning`` while it is derived rather than set."""
    configured = bool(str(settings.get("SITE_URL") or "").strip())
    return {"status": "ok" if configured else "warning", "url": site_url(settings),
            "message": "" if configured else "SITE_URL is not set: links in mails and webhooks use "
                                             f"{site_url(settings)}, derived from HOST and PORT"}


def init_app(app: Flask) -> None:
    """Refuse a SITE_URL that is no web address; say once per process when it is missing."""
    global _warned
    configured = str(app.config.get("SITE_URL") or "").strip()
    if configured and not configured.startswith(("http://", "https://")):
        raise ValueError(f"SITE_URL must start with http:// or https:// (got {configured!r})")
    if not configured and not _warned:
        _warned = True
        log.warning("SITE_URL is not set: links in mails and webhooks use %s; set SITE_URL to the address "
                    "people open the service at", site_url(app.config))
