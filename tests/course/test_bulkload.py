"""After a bulk load, PostgreSQL's planner knows how many rows the tables hold (else a table last
vacuumed empty is planned as empty, and the demo's reports took seconds)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.db import connection

from course.bulkload import statistics_refresh

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's planner statistics"),
]


def planned_rows(table: str) -> float:
    with connection.cursor() as cursor:
        # raw SQL: the planner's own estimate lives in the pg_class catalogue.
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cursor.fetchone()[0]


def test_the_planner_counts_the_rows_just_loaded():
    User.objects.bulk_create(User(username=f"bulk-{n}") for n in range(400))
    statistics_refresh()
    assert planned_rows("auth_user") >= 400
