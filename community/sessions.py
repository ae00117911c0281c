"""Sessions read with one plain statement: every signed-in request reads its session
before its view runs.

Building the query through the ORM cost more than running it: 0.37 ms against 0.03 ms for
the plain statement (timeit on the demo database), on every page a member opens
(docs/decisions.md, "Members' pages: two threads per process, sessions read plainly").
Behaviour is Django's own database engine's: the same table and encoding (sessions made
before keep working), and a missing or expired session falls back to the engine's own
load, which forgets the key so that a new one is made.
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    """Django's database sessions, loaded with one plain SELECT."""

    def load(self) -> dict:
        model = self.get_model_class()
        connection = connections[router.db_for_read(model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            # Only the model's table name is formatted in.
            cursor.execute(
                f"SELECT session_data FROM {model._meta.db_table}"  # noqa: S608
                " WHERE session_key = %s AND expire_date > %s",
                [self.session_key, now],
            )
            row = cursor.fetchone()
        if row is None:
            return super().load()  # gone or expired: Django's path, which forgets the key
        return self.decode(row[0])
