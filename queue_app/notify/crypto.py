"""Numbers at rest: Fernet (AES-128-CBC + HMAC-SHA256) with a key from NOTIFY_KEY.

Without NOTIFY_KEY (development, tests) the key is derived from SECRET_KEY, so it is stable
across restarts; production refuses to start with notifications on and no NOTIFY_KEY
(notify.init_app). Rotating the key makes the stored numbers unreadable: their messages die.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from ..services.holders import holder_key


def fernet_key(config: Mapping[str, Any]) -> bytes:
    """NOTIFY_KEY (a Fernet key: 32 bytes, url-safe base64), else one derived from SECRET_KEY."""
    configured = config.get("NOTIFY_KEY")
    if configured:
        return configured.encode() if isinstance(configured, str) else bytes(configured)
    secret = str(config.get("SECRET_KEY") or "").encode()
    return base64.urlsafe_b64encode(hmac.new(secret, b"loket/notify/v1", hashlib.sha256).digest())


class Sealer:
    """Seals and opens numbers with the app's key."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self._fernet = Fernet(fernet_key(config))
        self._key = holder_key(str(config.get("SECRET_KEY") or ""))

    def seal(self, number: str) -> str:
        """The stored form of a normalised number."""
        return self._fernet.encrypt(number.encode()).decode("ascii")

    def open(self, token: str) -> str | None:
        """The number a token holds; None when another key sealed it."""
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode()
        except (InvalidToken, ValueError):
            return None

    def recipient_key(self, number: str) -> str:
        """A keyed hash of the number: groups one recipient's messages (their order)."""
        return hmac.new(self._key, b"notify|" + number.encode(), hashlib.sha256).hexdigest()


def check_key(config: Mapping[str, Any]) -> str | None:
    """Why NOTIFY_KEY is not a usable Fernet key, or None."""
    try:
        Fernet(fernet_key(config))
    except (ValueError, TypeError):
        return "NOTIFY_KEY is not a Fernet key (32 bytes in url-safe base64)"
    return None
