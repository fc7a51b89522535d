"""Login throttling that holds under parallel guesses and never locks the owner out, and the
class-code limit (classes/throttle.py)."""

from __future__ import annotations

import threading

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from django.contrib.auth.models import User
from django.db import connection, connections
from django.test import Client
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import override

from classes import throttle
from classes.forms import TOO_MANY_CODES, TOO_MANY_FAILURES
from classes.models import Enrolment

ATTACKER, OWNER = "203.0.113.66", "198.51.100.7"
PASSWORD = "pass-word-123"


def says(response, message) -> bool:
    with override("fr"):
        return escape(str(message)) in response.content.decode()


def login(client: Client, username: str, password: str, address: str, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address, **extra
    )


@pytest.mark.django_db
def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out(user_factory, settings):
    user_factory(username="admin")
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    attacker = Client()
    for _ in range(5):
        assert login(attacker, "admin", "devine", ATTACKER).status_code == 200
    blocked = login(attacker, "admin", PASSWORD, ATTACKER)
    assert says(blocked, TOO_MANY_FAILURES) and "_auth_user_id" not in attacker.session
    owner = Client()
    assert login(owner, "admin", PASSWORD, OWNER).status_code == 302


@pytest.mark.django_db
def test_a_success_clears_the_failures_of_its_username_from_that_address(user_factory, settings):
    user_factory(username="ana")
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for _ in range(2):
        login(client, "ana", "faux", OWNER)
    assert login(client, "ana", PASSWORD, OWNER).status_code == 302
    client.logout()
    for _ in range(2):
        login(client, "ana", "faux", OWNER)
    assert login(client, "ana", PASSWORD, OWNER).status_code == 302  # three tries again


@pytest.mark.django_db
def test_the_address_behind_the_proxy_is_the_one_it_added(user_factory, settings):
    """With one proxy, the right-most X-Forwarded-For entry is the client: what it writes to the
    left changes nothing."""
    user_factory(username="admin")
    settings.NUM_PROXIES = 1
    settings.LOGIN_FAILURES_PER_ACCOUNT = 3
    client = Client()
    for n in range(3):
        login(client, "admin", "devine", "10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, {ATTACKER}")
    blocked = login(client, "admin", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=f"192.0.2.99, {ATTACKER}")
    assert says(blocked, TOO_MANY_FAILURES)
    owner = login(Client(), "admin", PASSWORD, "10.0.0.2", HTTP_X_FORWARDED_FOR=OWNER)
    assert owner.status_code == 302


def test_client_address_reads_the_hop_of_the_first_trusted_proxy(rf, settings):
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2, 3.3.3.3")
    settings.NUM_PROXIES = 0
    assert throttle.client_address(request) == "10.0.0.2"
    settings.NUM_PROXIES = 1
    assert throttle.client_address(request) == "3.3.3.3"
    settings.NUM_PROXIES = 2
    assert throttle.client_address(request) == "2.2.2.2"
    settings.NUM_PROXIES = 4  # fewer hops than proxies: it went round them
    assert throttle.client_address(request) == "10.0.0.2"
    settings.NUM_PROXIES = 1
    junk = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, not-an-address")
    assert throttle.client_address(junk) == "10.0.0.2"


@pytest.mark.django_db
def test_class_codes_tried_are_limited_per_address(student_client, trainer, cohort_factory, settings):
    settings.JOIN_CODE_TRIES_PER_ADDRESS = 3
    cohort = cohort_factory(trainer=trainer)
    url = reverse("join")
    for guess in ("AAAA2222", "BBBB3333", "CCCC4444"):
        assert student_client.post(url, {"code": guess}, REMOTE_ADDR=ATTACKER).status_code == 400
    blocked = student_client.post(url, {"code": cohort.join_code}, REMOTE_ADDR=ATTACKER)
    assert blocked.status_code == 400 and says(blocked, TOO_MANY_CODES)
    assert not Enrolment.objects.exists()
    assert student_client.post(url, {"code": cohort.join_code}, REMOTE_ADDR=OWNER).status_code == 302


@pytest.mark.django_db
def test_the_signup_form_is_no_oracle_for_class_codes(client, trainer, cohort_factory, settings):
    settings.JOIN_CODE_TRIES_PER_ADDRESS = 2
    cohort = cohort_factory(trainer=trainer)
    form = {"username": "nouvelle", "password1": "Un-mot-2-passe", "password2": "Un-mot-2-passe"}
    for guess in ("AAAA2222", "BBBB3333"):
        assert (
            client.post(reverse("signup"), form | {"join_code": guess}, REMOTE_ADDR=ATTACKER).status_code
            == 400
        )
    blocked = client.post(reverse("signup"), form | {"join_code": cohort.join_code}, REMOTE_ADDR=ATTACKER)
    assert blocked.status_code == 400 and says(blocked, TOO_MANY_CODES)
    assert not User.objects.filter(username="nouvelle").exists()


# --- in parallel, on PostgreSQL ---------------------------------------------------------------


class CountingHasher(MD5PasswordHasher):
    """The test hasher, counting the passwords it checks."""

    checks = 0
    lock = threading.Lock()

    def verify(self, password, encoded):
        with CountingHasher.lock:
            CountingHasher.checks += 1
        return super().verify(password, encoded)


def on_postgresql(test):
    test = pytest.mark.django_db(transaction=True)(test)
    reason = "needs PostgreSQL row locks (CI's second run)"
    return pytest.mark.skipif(connection.vendor != "postgresql", reason=reason)(test)


def together(count: int, work) -> list:
    barrier = threading.Barrier(count)
    results: list = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        try:
            barrier.wait()
            result = work(n)
            with lock:
                results.append(result)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@on_postgresql
def test_fifty_parallel_guesses_get_at_most_the_limit_of_password_checks(user_factory, settings):
    settings.PASSWORD_HASHERS = ["tests.classes.test_throttle.CountingHasher"]
    settings.LOGIN_FAILURES_PER_ACCOUNT = 5
    settings.LOGIN_FAILURES_PER_ADDRESS = 100
    user_factory(username="admin")
    CountingHasher.checks = 0
    statuses = together(50, lambda _n: login(Client(), "admin", f"devine-{_n}", ATTACKER).status_code)
    assert statuses == [200] * 50
    assert CountingHasher.checks <= 5
    assert login(Client(), "admin", PASSWORD, OWNER).status_code == 302


@on_postgresql
def test_twenty_parallel_signups_with_one_username_make_one_account():
    form = {"username": "jumeau", "password1": "Un-mot-2-passe", "password2": "Un-mot-2-passe"}
    statuses = together(20, lambda _n: Client().post(reverse("signup"), form).status_code)
    assert sorted(statuses) == [302] + [400] * 19
    assert User.objects.filter(username="jumeau").count() == 1
