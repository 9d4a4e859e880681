"""CSV downloads: one way to write them, safe to open in a spreadsheet."""
import csv
import io

from flask import Response


def safe_cell(value):
    """Keep spreadsheet programs from running a cell as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_response(filename, header, rows):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return Response(buffer.getvalue(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


def csv_stream(filename, header, rows):
    """A CSV written as it is read: `rows` may be a generator over a server-side cursor (memory stays flat).

    Call it inside the request (with `stream_with_context` around the rows when they need the session).
    """
    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        yield buffer.getvalue()  # the download starts before the first row is read
        buffer.seek(0)
        buffer.truncate()
        count = 0
        for row in rows:
            writer.writerow([safe_cell(value) for value in row])
            count += 1
            if count % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(lines(), mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})
