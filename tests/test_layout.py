"""The packages are this checkout's, not same-named distributions from the package index."""
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
