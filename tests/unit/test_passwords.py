"""Stored passwords: scrypt unless configured otherwise, and any stored method still checks."""
from __future__ import annotations

import pytest

from app import passwords


def test_production_default_is_scrypt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    stored = passwords.hashed("correct horse")
    assert stored.startswith("scrypt:")
    assert passwords.matches(stored, "correct horse")
    assert not passwords.matches(stored, "wrong horse")


def test_configured_method_is_used_and_old_hashes_still_check(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PASSWORD_HASH_METHOD", raising=False)
    old = passwords.hashed("s3cret")
    monkeypatch.setenv("PASSWORD_HASH_METHOD", "pbkdf2:sha256:1000")
    new = passwords.hashed("s3cret")
    assert new.startswith("pbkdf2:sha256:1000$")
    assert new != passwords.hashed("s3cret")  # salted: two hashes of one password differ
    assert passwords.matches(old, "s3cret") and passwords.matches(new, "s3cret")
    assert not passwords.matches(new, "S3cret")
