"""Password hashing: Werkzeug's scrypt KDF, one place for every account the app creates.

`LOKET_PASSWORD_HASH_METHOD` may name a cheaper Werkzeug method (e.g. `pbkdf2:sha256:1000`)
for test suites, where hundreds of accounts are made and the key derivation is not what is
tested. A production install (`LOKET_ENV=production`) ignores it and always uses scrypt.
Checking needs no setting: Werkzeug reads the method from the stored hash.
"""

from __future__ import annotations

import os

from werkzeug.security import generate_password_hash

DEFAULT_METHOD = "scrypt"
#: The shortest password any account may have (the CLI, the admin console and its forms).
MIN_PASSWORD = 8


def hash_method() -> str:
    """The Werkzeug method new password hashes use."""
    if os.environ.get("LOKET_ENV", "").strip().lower() == "production":
        return DEFAULT_METHOD
    return os.environ.get("LOKET_PASSWORD_HASH_METHOD", "").strip() or DEFAULT_METHOD


def hash_password(password: str) -> str:
    """A salted hash of `password` for the users table."""
    return generate_password_hash(password, method=hash_method())
