"""Row locks for the rules that check, then write (R-SIGN-4, R-HRS-4, R-HRS-5, R-ELIG-3).

A check made on rows read earlier in the request can be beaten by a second request that reads the
same rows at the same instant: both pass the check, both write. Taking a lock on one row that every
such request goes through first makes them queue; the second then reads what the first wrote.

PostgreSQL: `SELECT … FOR UPDATE` holds the row until the transaction ends (the lock timeout in
`portal.config` bounds the wait). SQLite has no row locks: a no-op UPDATE of the row takes the
database's write lock, which also lasts until the transaction ends (the busy timeout bounds the wait).
"""
from sqlalchemy import select, update

from portal.extensions import db


def lock_row(model, row_id):
    """Lock one row of `model` for the rest of the transaction. True if the row exists."""
    table = model.__table__
    if db.engine.dialect.name == "postgresql":
        found = db.session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update()).first()
        return found is not None
    return db.session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id)).rowcount == 1


def lock_rows(model, row_ids):
    """Lock several rows of `model` in one statement, in id order (so two callers cannot deadlock)."""
    table = model.__table__
    row_ids = sorted(set(row_ids))
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(table.c.id).where(table.c.id.in_(row_ids)).order_by(table.c.id).with_for_update())
    else:
        db.session.execute(update(table).where(table.c.id.in_(row_ids)).values(id=table.c.id))


def claim(model, row_id, *, where=(), values=None):
    """Check and change one row in one statement: `UPDATE … WHERE id = :id AND <where>`.

    True if the row still matched (and is now locked until the transaction ends), False if another
    request changed it first. The caller expires what it had loaded of the row and reads it again.
    """
    table = model.__table__
    statement = update(table).where(table.c.id == row_id, *where).values(**(values or {"id": table.c.id}))
    return db.session.execute(statement).rowcount == 1
