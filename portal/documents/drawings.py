"""The Easy Read pictures, drawn with Pillow: the project's own simple line drawings (no pictogram set).

Each drawing works on a 64 × 64 grid, the same as the SVG pictures of the Easy Read web page
(templates/components/easy_read_pictures.html), so a customer sees the same picture on screen and on
paper. `python -m portal.documents.build_templates` writes them to docs_templates/pictures/.
Pictures show one thing a reader can name (a clock, a calendar, a person stopped by a wall), black on
white, with thick lines (Easy Read guidance: pictures that support the meaning of the words).
"""
import io
import math

from PIL import Image, ImageDraw

PICTURE_PX = 240
SUPERSAMPLE = 4  # drawn large, then scaled down: smooth edges without Pillow anti-aliasing
UNIT = PICTURE_PX * SUPERSAMPLE / 64
INK, PAPER = 0, 255


def _px(point):
    return (point[0] * UNIT, point[1] * UNIT)


def _box(cx, cy, r):
    return (_px((cx - r, cy - r)), _px((cx + r, cy + r)))


def _stroke(draw, points, width=4, round_caps=False):
    """A polyline with round joins; round ends where the SVG has stroke-linecap="round"."""
    draw.line([_px(p) for p in points], fill=INK, width=round(width * UNIT), joint="curve")
    if round_caps:
        for x, y in (points[0], points[-1]):
            draw.ellipse(_box(x, y, width / 2), fill=INK)


def _ring(draw, cx, cy, r, width=4):
    draw.ellipse(_box(cx, cy, r + width / 2), outline=INK, width=round(width * UNIT))


def _dot(draw, cx, cy, r):
    draw.ellipse(_box(cx, cy, r), fill=INK)


def _rect(draw, left, top, right, bottom, radius=3, width=4):
    draw.rounded_rectangle((_px((left, top)), _px((right, bottom))), radius=radius * UNIT, outline=INK,
                           width=round(width * UNIT))


def _cubic(p0, p1, p2, p3, steps=24):
    def at(t):
        a, b, c, d = (1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t * t, t ** 3
        return (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0], a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])
    return [at(i / steps) for i in range(steps + 1)]


def _person(draw, x, head_y=16, foot_y=56):
    """A person seen from the front: a head and rounded shoulders (the SVG's c0-14 6-22 12-22 s12 8 12 22)."""
    _ring(draw, x + 12, head_y, 7)
    top = head_y + 14
    left = _cubic((x, foot_y), (x, foot_y - 14), (x + 6, top), (x + 12, top))
    right = _cubic((x + 12, top), (x + 18, top), (x + 24, foot_y - 14), (x + 24, foot_y))
    _stroke(draw, left + right[1:], round_caps=True)


def plan(draw):
    _rect(draw, 12, 4, 52, 60, radius=5)
    for y, end in ((20, 42), (30, 42), (40, 34)):
        _stroke(draw, [(22, y), (end, y)], round_caps=True)


def goal(draw):
    _ring(draw, 32, 32, 24)
    _ring(draw, 32, 32, 13)
    _dot(draw, 32, 32, 4)


def barrier(draw):
    """A person stopped by a brick wall (the old drawing, a wall on legs, read as a table)."""
    _person(draw, 2, head_y=22, foot_y=60)
    _rect(draw, 30, 10, 62, 60, radius=1)
    for y in (18, 26, 34, 42, 52):
        _stroke(draw, [(30, y), (62, y)], width=2.5)
    rows = (10, 18, 26, 34, 42, 52, 60)
    for row, (top, bottom) in enumerate(zip(rows, rows[1:])):
        for x in ((46,) if row % 2 == 0 else (38, 54)):
            _stroke(draw, [(x, top), (x, bottom)], width=2.5)


def steps(draw):
    _stroke(draw, [(6, 54), (20, 54), (20, 42), (34, 42), (34, 30), (48, 30), (48, 18), (58, 18)])
    _stroke(draw, [(50, 6), (58, 14), (50, 22)], round_caps=True)


def help(draw):  # noqa: A001 - the picture's key
    _person(draw, 8)
    _person(draw, 32)
    _stroke(draw, [(26, 38), (38, 38)], round_caps=True)


def talk(draw):
    # A closed path ("z"): going on to the second point again joins the last corner too.
    _stroke(draw, [(6, 10), (40, 10), (40, 32), (20, 32), (12, 40), (12, 32), (6, 32), (6, 10), (40, 10)])
    _stroke(draw, [(46, 24), (58, 24), (58, 46), (52, 46), (52, 54), (44, 46), (28, 46), (28, 38)])


def sign(draw):
    """A pen over a signature line."""
    _stroke(draw, [(6, 56), (58, 56)], round_caps=True)
    scribble = _cubic((8, 48), (11, 36), (16, 36), (18, 46)) + _cubic((18, 46), (20, 54), (25, 52), (28, 44))[1:]
    _stroke(draw, scribble, width=3, round_caps=True)
    tip, far = (30, 46), (56, 14)
    length = math.dist(tip, far)
    along = ((far[0] - tip[0]) / length, (far[1] - tip[1]) / length)
    across = (-along[1] * 5, along[0] * 5)

    def point(distance, side):
        return (tip[0] + along[0] * distance + across[0] * side, tip[1] + along[1] * distance + across[1] * side)

    _stroke(draw, [tip, point(10, 1), point(length, 1), point(length, -1), point(10, -1), tip])
    _stroke(draw, [point(10, 1), point(10, -1)])


def clock(draw):
    _ring(draw, 32, 32, 25)
    _stroke(draw, [(32, 32), (32, 15)], round_caps=True)
    _stroke(draw, [(32, 32), (44, 39)], round_caps=True)
    _dot(draw, 32, 32, 4)


def calendar(draw):
    _rect(draw, 6, 12, 58, 58)
    _stroke(draw, [(6, 24), (58, 24)])
    for x in (20, 44):
        _stroke(draw, [(x, 6), (x, 16)], round_caps=True)
    for row, y in enumerate((33, 42, 51)):
        for x in (16, 26, 36, 46):
            if (row, x) == (2, 46):
                continue
            draw.rectangle((_px((x - 3, y - 3)), _px((x + 3, y + 3))), fill=INK)


def tick(draw):
    """A tick on a list: how we will know it is done."""
    _rect(draw, 10, 6, 54, 60)
    _stroke(draw, [(20, 34), (29, 44), (46, 22)], width=5, round_caps=True)


def flag(draw):
    """A flag at the top of a hill: a milestone reached."""
    _stroke(draw, [(4, 58), (22, 40), (32, 34), (42, 40), (60, 58)], round_caps=True)
    _stroke(draw, [(32, 34), (32, 6)], round_caps=True)
    draw.polygon([_px((32, 6)), _px((54, 13)), _px((32, 20))], fill=INK)


def money(draw):
    """Coins: a pile and one standing coin."""
    for y in (50, 42, 34):
        draw.ellipse((_px((4, y - 6)), _px((34, y + 6))), outline=INK, width=round(4 * UNIT), fill=PAPER)
    _ring(draw, 46, 34, 13)
    _ring(draw, 46, 34, 6, width=3)


def work(draw):
    """A work bag."""
    _rect(draw, 24, 10, 40, 22, radius=2)
    _rect(draw, 6, 20, 58, 56, radius=5)
    _stroke(draw, [(6, 36), (58, 36)])
    draw.rectangle((_px((28, 32)), _px((36, 40))), fill=INK)


def needs(draw):
    """A person with a question: what you need."""
    _person(draw, 2, head_y=26, foot_y=62)
    question = _cubic((38, 16), (38, 6), (56, 6), (56, 15)) + _cubic((56, 15), (56, 22), (47, 22), (47, 30))[1:]
    _stroke(draw, question, width=5, round_caps=True)
    _dot(draw, 47, 40, 3.5)


DRAWINGS = {"plan": plan, "goal": goal, "barrier": barrier, "steps": steps, "help": help, "talk": talk,
            "sign": sign, "clock": clock, "calendar": calendar, "tick": tick, "flag": flag, "money": money,
            "work": work, "needs": needs}


def draw_picture(key):
    size = PICTURE_PX * SUPERSAMPLE
    image = Image.new("L", (size, size), PAPER)
    DRAWINGS[key](ImageDraw.Draw(image))
    image = image.resize((PICTURE_PX, PICTURE_PX), Image.Resampling.BOX)
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)  # Pillow writes no time chunk, so the bytes repeat
    return out.getvalue()
