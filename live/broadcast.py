"""Telling the connected screens that a session changed. The message carries no state: each
screen reads the database again (the state's one home), so a lost message costs a stale screen
until the next one, never a wrong record."""

from __future__ import annotations

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from .models import LiveSession


def changed_event(session: LiveSession) -> dict:
    return {"type": "live.changed", "version": session.version}


def count_event(answered: int) -> dict:
    return {"type": "live.count", "answered": answered}


def changed(session: LiveSession) -> None:
    """From synchronous code (a view): every screen and phone of the session looks again."""
    async_to_sync(get_channel_layer().group_send)(session.group, changed_event(session))


def screens_changed(session: LiveSession) -> None:
    """Only the trainer's screens look again (a player joined or left)."""
    async_to_sync(get_channel_layer().group_send)(session.screen_group, changed_event(session))


def counted(session: LiveSession, answered: int) -> None:
    async_to_sync(get_channel_layer().group_send)(session.screen_group, count_event(answered))
