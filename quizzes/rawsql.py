"""Hand-written SQL for the few statements that run at every step of a quiz or a review.

Showing a question or a card, saving an answer and recording a rating are the requests students
make all day long. Built with the ORM, their statements took Django several times longer to
build and compile (0.3 to 1.4 ms each) than SQLite or PostgreSQL took to run them, which kept
those pages at 4 to 6 times a bare view's time. `quizzes.attempts` and `quizzes.review` write
those statements out once, at import, from the models' own table and column names, in plain SQL
that SQLite (3.35 or later) and PostgreSQL both run; everything else in Rappel uses the ORM.

The helpers here keep them honest: values go in through each field's own adapter
(`param`) and come back through the converters the ORM applies (`converted`, `Columns.instance`),
so the instances and values are exactly those the ORM would give; tests/quizzes/test_rawsql.py
checks each reader against the ORM.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

from django.db import DEFAULT_DB_ALIAS, connection
from django.db.models import Model
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init


def table(model: type[Model]) -> str:
    """The model's table name, quoted for the database."""
    return connection.ops.quote_name(model._meta.db_table)


def column(model: type[Model], name: str) -> str:
    """A field's column name, quoted for the database."""
    return connection.ops.quote_name(model._meta.get_field(name).column)


def converted(model: type[Model], name: str, value):
    """A value of a field's column as the ORM gives it (on SQLite: aware datetimes, booleans,
    decoded JSON)."""
    col, converters = _field_converters(model, name)
    for convert in converters:
        value = convert(value, col, connection)
    return value


@cache
def _field_converters(model: type[Model], name: str) -> tuple:
    """A field's column and what the ORM applies to its values as they come from the database,
    looked up once (some 30 µs: the home converts two dates a quiz)."""
    col = model._meta.get_field(name).get_col(model._meta.db_table)
    return col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)


def param(model: type[Model], name: str, value):
    """A value as the database takes it for a field (on SQLite: UTC text for a datetime)."""
    return model._meta.get_field(name).get_db_prep_save(value, connection)


#: Long columns no student page shows, left out of the hot statements unless a `Columns` says
#: otherwise (deferred: loaded on first use if something asks for them).
UNSHOWN = {
    "course.section": ("notes", "notes_html"),  # the study notes
    "quizzes.question": ("tags", "erratum"),
    "quizzes.revision": ("prompt", "explanation"),  # the Markdown: pages show the HTML
}


#: The attributes of fields that a value may be put in an instance's __dict__ in place of.
_PLAIN_ATTRIBUTES = (DeferredAttribute, ForeignKeyDeferredAttribute)


class Columns:
    """A model's columns in a SELECT list under an alias (but for those left out: by default
    the model's `UNSHOWN` ones), and the instance a row of them makes: fields left out are
    deferred, loaded on first use as with `QuerySet.defer`."""

    def __init__(self, model: type[Model], alias: str, *, leave_out: tuple[str, ...] | None = None) -> None:
        self.model = model
        if leave_out is None:
            leave_out = UNSHOWN.get(model._meta.label_lower, ())
        fields = [f for f in model._meta.concrete_fields if f.name not in leave_out]
        self.attnames = [f.attname for f in fields]
        self.sql = ", ".join(f"{alias}.{connection.ops.quote_name(f.column)}" for f in fields)
        # Only some columns have converters (datetimes, booleans, JSON); they are looked up once,
        # not for every row.
        looked_up = [(index, *_field_converters(model, f.name)) for index, f in enumerate(fields)]
        self.converted = [(index, col, converters) for index, col, converters in looked_up if converters]
        # Model.__init__ (through from_db) sets each field with setattr and sends pre_init and
        # post_init: some 7 µs an instance, most of what a page of them costs in Python. When no
        # field's attribute does anything on set (a plain field's has no __set__; a foreign
        # key's only forgets a related object a new instance has not cached yet), `instance`
        # fills the instance's __dict__ itself, as __init__ would leave it.
        self.plain = all(type(getattr(model, name, None)) in _PLAIN_ATTRIBUTES for name in self.attnames)

    def __len__(self) -> int:
        return len(self.attnames)

    def instance(self, values: Iterable) -> Model:
        """The model instance of these columns' values, as the database returned them."""
        values = list(values)
        for index, col, converters in self.converted:
            for convert in converters:
                values[index] = convert(values[index], col, connection)
        model = self.model
        # (Any receiver of those signals, for whatever model, and it is left to from_db.)
        if not self.plain or pre_init.receivers or post_init.receivers:
            return model.from_db(DEFAULT_DB_ALIAS, self.attnames, values)
        instance = model.__new__(model)
        instance._state = state = ModelState()
        state.adding, state.db = False, DEFAULT_DB_ALIAS  # `connection` is that of the default alias
        instance.__dict__.update(zip(self.attnames, values, strict=True))
        return instance


def instances(row: Sequence, *parts: Columns) -> list[Model | None]:
    """Split a row that selects `parts` one after the other into their instances; None for a
    part whose first column (its id) is NULL, as a LEFT JOIN that found nothing gives."""
    out: list[Model | None] = []
    start = 0
    for part in parts:
        end = start + len(part.attnames)
        out.append(part.instance(row[start:end]) if row[start] is not None else None)
        start = end
    return out


def relate(instance: Model, name: str, related: Model | None) -> None:
    """`instance.<name> = related` for an object read with the instance, whose foreign key holds
    its id already (or None): cached on both sides as the field's descriptor does, without its
    checks (of the type and of the database routers: the statement read both), which cost more
    than the rest of making the instance."""
    field = instance._meta.get_field(name)
    field.set_cached_value(instance, related)
    if related is not None and not field.remote_field.multiple:  # one-to-one: the reverse side too
        field.remote_field.set_cached_value(related, instance)
