"""After a bulk load: statistics for PostgreSQL's planner now, rather than when autovacuum gets to
them.

Until a table is analysed, the planner works from what it last knew of it. A table last vacuumed
empty (a database whose rows were deleted, as a test database is between tests) is planned as if
it held no rows: once thousands are loaded, it picks nested loops over whole tables, and a report
of the demo class took over 10 s on PostgreSQL instead of 0.1 s.
"""

from __future__ import annotations

from django.db import connection


def statistics_refresh() -> None:
    """ANALYZE the database (and VACUUM it too outside a transaction: the visibility map lets
    index-only scans skip the tables); nothing on other databases."""
    if connection.vendor != "postgresql":
        return
    # raw SQL: the ORM has no statement for the planner's statistics. VACUUM cannot run in a
    # transaction (as when a test seeds its database); ANALYZE can.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")
