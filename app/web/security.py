"""Browser-facing protections: CSRF, cookie flags, security headers, local-only redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Request, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()

# No inline script anywhere: every script is a file under /static. bpmn-js and form-js set inline
# style attributes on the elements they draw, hence 'unsafe-inline' for styles only.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


class _SessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever the request came over HTTPS (directly or, behind a
    proxy that says so, via ProxyFix), without a setting to forget."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    app.session_interface = _SessionInterface()
    csrf.init_app(app)
    from app.api import bp as api_bp
    csrf.exempt(api_bp)  # HTTP Basic on every call: no ambient cookie for a forged request to ride on
    app.after_request(_headers)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def local_target(target: str | None, req: Request | None = None) -> str | None:
    """``target`` if it is a path on this site, else None: ``next=`` must never lead elsewhere."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
