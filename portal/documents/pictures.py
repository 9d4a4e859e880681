"""The Easy Read pictures: the project's own drawings, as PNG files in docs_templates/pictures/.

They are drawn by portal/documents/build_templates.py (Pillow), the same shapes as the pictures on the
Easy Read web page (templates/components/plan.html).
"""
from functools import cache
from pathlib import Path

PICTURE_KEYS = ("plan", "goal", "barrier", "steps", "help", "talk", "sign", "clock", "calendar", "tick", "flag",
                "money", "work", "needs")
PICTURES_DIR = Path(__file__).resolve().parents[2] / "docs_templates" / "pictures"


@cache
def picture_png(key):
    return (PICTURES_DIR / f"{key}.png").read_bytes()
