"""The same broadcast through Redis (channels-redis), as several processes or pods share it: a
throwaway redis-server on a free loopback port; skipped where redis-server is not installed
(apt-get install redis-server), or against REDIS_URL when it is set."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time

import pytest
from asgiref.sync import async_to_sync

from live.models import LiveAnswer
from tests.live.test_consumers import communicator, guest, play_path, screen_path

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    if not shutil.which("redis-server"):
        message = "no redis-server here (apt-get install redis-server), and REDIS_URL is not set"
        if os.environ.get("CI"):  # .ci/run installs it: missing there, the test must not pass unseen
            pytest.fail(message)
        pytest.skip(message)
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:  # waiting for it to listen, not timing anything
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                break
        if time.monotonic() > deadline:
            server.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.02)
    yield f"redis://127.0.0.1:{port}/0"
    server.terminate()
    server.wait(10)


@pytest.fixture
def redis_layer(settings, redis_url):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                "hosts": [{"address": redis_url, "socket_timeout": 15}],
                "prefix": f"test{os.getpid()}",
            },
        }
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def test_the_trainers_next_question_reaches_a_phone_through_redis(redis_layer, live_session, trainer):
    player, browser = guest(live_session, "Ada")
    spec = live_session.questions.get(position=0).revision.spec
    form = {"choice": [next(c["key"] for c in spec["choices"] if c["correct"])]}

    async def scenario():
        screen = communicator(screen_path(live_session), user=trainer)
        assert (await screen.connect())[0]
        await screen.receive_json_from(timeout=20)
        phone = communicator(play_path(live_session), browser_session=browser)
        assert (await phone.connect())[0]
        await phone.receive_json_from(timeout=20)
        await screen.send_json_to({"action": "next"})
        opened = await phone.receive_json_from(timeout=20)
        assert opened["phase"] == "open"
        question = int(opened["html"].split('name="question" value="')[1].split('"')[0])
        await phone.send_json_to({"action": "answer", "question": question, "form": form})
        assert "live-waiting" in (await phone.receive_json_from(timeout=20))["html"]
        # The count message; or, when the projector's own state after "next" was read once the
        # answer was in, that state shows it and the count (no higher) is not sent again.
        shown = f'data-live-question="{question}">1<'
        counted = await screen.receive_json_from(timeout=20)
        while "answered" not in counted and shown not in counted.get("html", ""):
            counted = await screen.receive_json_from(timeout=20)
        assert counted == {"question": question, "answered": 1} or shown in counted["html"]
        await phone.disconnect()
        await screen.disconnect()

    async_to_sync(scenario)()
    assert LiveAnswer.objects.filter(player=player).count() == 1
