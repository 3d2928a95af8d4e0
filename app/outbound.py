"""The two ways a notification leaves the service: an e-mail over SMTP and a signed webhook POST.

No database here: the relay (``app.services.relay``) decides what to send and
records the outcome. Each function returns once the other side has accepted the
message and raises otherwise, so the relay can tell a delivery from a failure.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import smtplib
import ssl
import urllib.request
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import Any, Mapping

SMTP_TIMEOUT_SECONDS = 15
WEBHOOK_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Servicedesk-Signature"


def send_mail(settings: Mapping[str, Any], to_address: str, to_name: str, subject: str, body: str,
              message_id: str) -> None:
    """Hand one plain-text message to the configured SMTP server (STARTTLS and login when set).

    ``message_id`` is stable per delivery, so a receiver can spot the one duplicate
    a crash between the server's accept and our mark could cause.
    """
    message = EmailMessage()
    message["From"] = settings["MAIL_FROM"]
    message["To"] = formataddr((to_name, to_address))
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = message_id
    message.set_content(body)
    with smtplib.SMTP(settings["SMTP_HOST"], int(settings["SMTP_PORT"]), timeout=SMTP_TIMEOUT_SECONDS) as smtp:
        if settings.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if settings.get("SMTP_USER"):
            smtp.login(settings["SMTP_USER"], settings.get("SMTP_PASSWORD", ""))
        smtp.send_message(message)


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>`` of the body under the shared secret: the receiver recomputes it to trust the call."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(url: str, secret: str, payload: dict[str, Any]) -> None:
    """POST the payload as UTF-8 JSON with its signature; any status but 2xx raises."""
    if not url.startswith(("http://", "https://")):
        raise ValueError("WEBHOOK_URL must be an http:// or https:// address")
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", SIGNATURE_HEADER: signature(secret, body)})
    with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_SECONDS) as response:  # noqa: S310 - admin's URL
        if not 200 <= response.status < 300:
            raise OSError(f"webhook answered {response.status}")
