"""Tokens, their hashes, and CSRF protection.

A token reads ``ds.<key>.<secret>``: ``key`` (12 hex digits) finds the
credential, ``secret`` (32 random bytes, :mod:`secrets`) proves it. Only an
argon2id hash of the secret is stored. An unknown key costs a verification
against a dummy hash too, so timing does not tell a wrong key from a wrong
secret. Verified tokens are remembered in memory (keyed by their SHA-256) so
polling does not pay argon2 on every request; the memory is lost on restart.

Browsers hold the token in an HttpOnly, SameSite=Strict cookie; every form
and state-changing request carries a CSRF token, an HMAC of the cookie's
token under the server's key (double submit bound to the session).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

#: argon2id parameters (OWASP 2023 minimum: m = 19 MiB, t = 2, p = 1).
HASHER = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
#: Verified tokens remembered in memory.
CACHE_SIZE = 10_000
COOKIE = "dealspace_session"

_DUMMY = HASHER.hash(secrets.token_urlsafe(32))


@dataclass(frozen=True)
class Principal:
    """Who a request speaks for."""

    negotiation_id: str
    role: str  # "admin" | "party"
    party_id: str | None
    token: str

    @property
    def actor(self) -> str:
        return self.party_id if self.role == "party" and self.party_id else "admin"


def new_token() -> tuple[str, str, str]:
    """A fresh token → (token, key, argon2 hash of its secret)."""
    key = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return f"ds.{key}.{secret}", key, HASHER.hash(secret)


def parse(token: str) -> tuple[str, str] | None:
    """``ds.<key>.<secret>`` → (key, secret), or None when malformed."""
    parts = token.split(".", 2)
    if (
        len(parts) != 3
        or parts[0] != "ds"
        or len(parts[1]) != 12
        or not parts[2]
        or len(token) > 200
    ):
        return None
    if any(c not in "0123456789abcdef" for c in parts[1]):
        return None
    return parts[1], parts[2]


def verify(hash_: str | None, secret: str) -> bool:
    """argon2 check of a secret (against a dummy hash when the key is unknown)."""
    try:
        ok = HASHER.verify(hash_ or _DUMMY, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
    return ok and hash_ is not None


class TokenCache:
    """A bounded, thread-safe memory of verified tokens (SHA-256 → Principal)."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._items: OrderedDict[bytes, Principal] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        digest = hashlib.sha256(token.encode()).digest()
        with self._lock:
            found = self._items.get(digest)
            if found is not None:
                self._items.move_to_end(digest)
            return found

    def put(self, principal: Principal) -> None:
        digest = hashlib.sha256(principal.token.encode()).digest()
        with self._lock:
            self._items[digest] = principal
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def csrf_token(key: bytes, token: str) -> str:
    return hmac.new(key, b"csrf|" + token.encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: bytes, token: str, given: str | None) -> bool:
    return given is not None and hmac.compare_digest(csrf_token(key, token), given)
