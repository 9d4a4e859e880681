"""Web workers do not load the document libraries until a document is made (issue 18): WeasyPrint,
docxtpl, python-docx, pyHanko and Pillow cost each worker tens of MB that most requests never use."""
import subprocess
import sys

HEAVY = ("weasyprint", "docxtpl", "docx", "pyhanko", "PIL", "pikepdf")


def test_the_app_starts_without_the_document_libraries(database_url):
    script = (
        "import sys\n"
        "from portal import create_app\n"
        f"create_app({{'PORTAL_ENV': 'development', 'SECRET_KEY': 'x' * 40, 'SQLALCHEMY_DATABASE_URI': {database_url!r}}})\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert loaded.stdout.strip() == ""


def test_making_a_document_loads_its_renderer():
    script = (
        "import sys\n"
        "from portal.documents import service\n"
        "assert 'weasyprint' not in sys.modules\n"
        "try:\n"
        "    service.render({}, 'pdf')\n"
        "except Exception:\n"
        "    pass\n"
        "print('weasyprint' in sys.modules)\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    assert loaded.stdout.strip() == "True"
