"""Throttling failed logins, per account and per address, in the shared cache.

After LOGIN_FAILURES_PER_ACCOUNT failures for one username (or LOGIN_FAILURES_PER_ADDRESS from
one address) within LOGIN_FAILURE_WINDOW seconds, further attempts are refused, even with the
right password, until the window has passed. A successful login clears the account's count.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    # Behind the Ingress the peer is the proxy; trust X-Forwarded-For only when configured to.
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.casefold().encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _keys(username: str, address: str) -> list[tuple[str, int]]:
    return [
        (_key("account", username), settings.LOGIN_FAILURES_PER_ACCOUNT),
        (_key("address", address), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def is_blocked(*, username: str, address: str) -> bool:
    counts = cache.get_many([key for key, _limit in _keys(username, address)])
    return any(counts.get(key, 0) >= limit for key, limit in _keys(username, address))


def record_failure(*, username: str, address: str) -> None:
    for key, _limit in _keys(username, address):
        if cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def clear_account(*, username: str) -> None:
    cache.delete(_key("account", username))
