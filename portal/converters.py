"""URL converters. `<int:…>` accepts only a number an id column can hold (PostgreSQL `integer`, up to
2**31 - 1, which every id in the schema is): anything larger, 2**63 included, answers 404 as any
missing record does, instead of overflowing in the database driver into a 500 (issue 12, finding 9)."""
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app):
    app.url_map.converters["int"] = IdConverter
