"""URL converters. `<int:…>` refuses a number no database id can be (above 2**63 - 1) with a 404,
as for any missing record, instead of letting the database driver overflow into a 500 (issue 12, finding 9)."""
from werkzeug.routing import IntegerConverter

LARGEST_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    def __init__(self, map, fixed_digits=0, min=None, max=LARGEST_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app):
    app.url_map.converters["int"] = IdConverter
