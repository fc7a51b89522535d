"""Throttling failed logins and class codes tried, counted in the database.

Each try *reserves* a slot before the slow work (hashing the password, looking the code up): in
one transaction, each of its counters is locked, refused when full, else incremented. Fifty
guesses sent at once thus get at most the limit's worth of password checks (the former
check-then-count in the cache let 27 of 30 through a limit of 5). A success gives its slots back.

Logins are counted per (username, address): five wrong passwords for `admin` from one address
do not lock the real admin out from theirs. An address also has a limit over every username it
tries (password spraying). Class codes are counted per address.

The address is the client's as the trusted proxies saw it: with NUM_PROXIES proxies in front
(the Ingress: 1), the NUM_PROXIES-th entry of X-Forwarded-For from the right, the one the first
trusted proxy added; entries further left are whatever the client wrote. With none, the peer.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest
from django.utils import timezone

from classes.models import Throttle


def client_address(request: HttpRequest) -> str:
    peer = request.META.get("REMOTE_ADDR", "")
    proxies = getattr(settings, "NUM_PROXIES", 0)
    if proxies <= 0:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return peer  # it did not come through every proxy: the peer is all we know
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return peer


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("\n".join(part.casefold() for part in parts).encode()).hexdigest()
    return f"{kind}:{digest}"


def login_keys(*, username: str, address: str) -> list[tuple[str, int]]:
    return [
        (_key("login", username, address), settings.LOGIN_FAILURES_PER_ACCOUNT),
        (_key("login-address", address), settings.LOGIN_FAILURES_PER_ADDRESS),
    ]


def join_keys(*, address: str) -> list[tuple[str, int]]:
    return [(_key("join-address", address), settings.JOIN_CODE_TRIES_PER_ADDRESS)]


def reserve(keys: list[tuple[str, int]], *, now: dt.datetime | None = None) -> bool:
    """Take one try on every key, or none when one of them is used up (False)."""
    now = now or timezone.now()
    window = dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW)
    with transaction.atomic():
        rows = []
        for key, limit in sorted(keys):  # one order for every request: no deadlock
            row = _locked(key, now=now, window=window)
            if row.window_ends <= now:  # the window has passed: start a new one
                row.count, row.window_ends = 0, now + window
            if row.count >= limit:
                return False
            rows.append(row)
        for row in rows:
            row.count += 1
            row.save(update_fields=["count", "window_ends"])
    return True


def _locked(key: str, *, now: dt.datetime, window: dt.timedelta) -> Throttle:
    locked = Throttle.objects.select_for_update()
    row = locked.filter(key=key).first()
    if row is not None:
        return row
    try:
        with transaction.atomic():  # a savepoint: another request may insert it first
            return Throttle.objects.create(key=key, count=0, window_ends=now + window)
    except IntegrityError:
        return locked.get(key=key)


def release(keys: list[tuple[str, int]]) -> None:
    """Give back the try a success used."""
    Throttle.objects.filter(key__in=[key for key, _limit in keys], count__gt=0).update(count=F("count") - 1)


def forget(keys: list[tuple[str, int]]) -> None:
    """Clear these counters (a successful login clears its username's count from that address)."""
    Throttle.objects.filter(key__in=[key for key, _limit in keys]).delete()


def expired_delete(*, now: dt.datetime | None = None) -> int:
    """Remove counters whose window has passed; they would start afresh anyway."""
    return Throttle.objects.filter(window_ends__lte=now or timezone.now()).delete()[0]
