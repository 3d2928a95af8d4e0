"""Password hashing with one configurable method for every place that stores a password.

Production keeps werkzeug's default, scrypt, which is slow by design. The environment
variable ``PASSWORD_HASH_METHOD`` may name another werkzeug method (``pbkdf2:sha256:600000``
where scrypt is unavailable); the test suite sets a cheap one, because thousands of tests
each signing in would otherwise spend most of their time hashing. Checking reads the
method from the stored hash itself, so hashes made under another setting keep working.
"""
from __future__ import annotations

import os

from werkzeug.security import check_password_hash, generate_password_hash

DEFAULT_METHOD = "scrypt"


def method() -> str:
    """The hashing method new passwords get (read at each use, so a process can be reconfigured)."""
    return os.environ.get("PASSWORD_HASH_METHOD") or DEFAULT_METHOD


def hashed(password: str) -> str:
    """A salted hash of ``password`` in the configured method."""
    return generate_password_hash(password, method=method())


def matches(password_hash: str, password: str) -> bool:
    """Whether ``password`` is the one ``password_hash`` was made from."""
    return check_password_hash(password_hash, password)
