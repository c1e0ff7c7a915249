"""The packages are this checkout's, not same-named distributions from the package index."""
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("module", ["geo", "layers", "webapp", "migrations"])
def test_package_comes_from_the_checkout(module):
    imported = __import__(module)
    assert Path(imported.__file__).resolve().is_relative_to(ROOT)


def test_geo_and_layers_do_not_import_flask_or_webapp():
    for package in ("geo", "layers"):
        for path in (ROOT / package).rglob("*.py"):
            source = path.read_text()
            assert "import flask" not in source and "from flask" not in source, path
            assert "from webapp" not in source and "import webapp" not in source, path


VIEWS = ("api", "ogc", "tiles", "pages")


@pytest.mark.parametrize("view", VIEWS)
def test_views_touch_no_sql_and_import_no_other_view(view):
    """Views are thin (STYLE.md): no SQLAlchemy, and a view package imports no other view package."""
    others = [v for v in VIEWS if v != view]
    for path in (ROOT / "webapp" / view).rglob("*.py"):
        source = path.read_text()
        assert "sqlalchemy" not in source, path
        for other in others:
            assert f"webapp.{other}" not in source, (path, other)


@pytest.mark.parametrize("view", VIEWS)
def test_ruff_bans_sqlalchemy_in_each_view_package(view):
    """The linter enforces the rule above: the folder's ruff.toml ban fires (no inherited per-file ignore hides it)."""
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"  # a dev dependency
    result = subprocess.run(
        [ruff, "check", "--no-cache", "--select", "TID251", "--stdin-filename", f"webapp/{view}/x.py", "-"],
        input="import sqlalchemy\nfrom sqlalchemy.orm import Session\n", capture_output=True, text=True, cwd=ROOT,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stdout.count("TID251 `sqlalchemy` is banned") == 2, result.stdout


def test_the_services_are_rooms_not_one_flat_folder():
    services = ROOT / "webapp" / "services"
    flat = sorted(p.name for p in services.glob("*.py") if p.name != "__init__.py")
    assert len(flat) <= 3, flat  # what is left at the top is small and shared (health, demo)
    for room in ("catalog", "districts", "hazards", "imports", "ogc", "site_check", "tiles"):
        assert (services / room / "__init__.py").exists(), room


def test_the_services_use_no_view_and_no_renderer():
    """Data flows one way (STYLE.md): services return results; views and reports (what renders) sit above them.
    The one number formatter the services' stored sentences need lives in webapp/i18n.py."""
    for path in (ROOT / "webapp" / "services").rglob("*.py"):
        source = path.read_text()
        for above in ("webapp.reports", "webapp.pages", "webapp.api", "webapp.ogc", "webapp.tiles"):
            assert f"from {above}" not in source and f"import {above}" not in source, (path, above)
