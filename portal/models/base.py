from datetime import datetime, timezone

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow():
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC and always gives back an aware datetime (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given to a UTC column")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def enum_type(enum_class, length=32, name=None):
    """Store a StrEnum by its value (not its Python name), as a VARCHAR with a CHECK on both databases.

    `name` names the CHECK constraint; give one when a table has two columns of the same enum.
    """
    from sqlalchemy import Enum

    return Enum(enum_class, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e],
                create_constraint=True, validate_strings=True, name=name or enum_class.__name__.lower())
