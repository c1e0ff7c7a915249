#!/usr/bin/env python3
"""Install the pages' front-end assets from the npm registry and copy them where the app serves them.

    python3 scripts/assets.py          # the pages' assets (make run, make test, the Docker build)
    python3 scripts/assets.py --test   # the same plus the test run's OIDC provider and axe-core (make test)

`npm ci` installs exactly what package-lock.json pins into node_modules/, then the `dist` folders of the
packages below are copied to webapp/static/vendor/ (gitignored). A stamp holding the lock file's hash makes
a second run a no-op. The pages load only these files: no CDN at run time.

With --test, tests/oidc/ (its own package.json and package-lock.json: node's oidc-provider, which the sign-in
tests start on loopback) gets its own `npm ci` into tests/oidc/node_modules/, stamped the same way, and so does
tests/axe/ (axe-core, which the accessibility tests inject into the pages). Neither is ever copied into the app.
"""
from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "webapp" / "static" / "vendor"
STAMP = VENDOR / ".stamp"
# package name -> the folder inside it that holds the browser build
PACKAGES = {"leaflet": "dist", "leaflet-draw": "dist", "leaflet.vectorgrid": "dist"}
# The test run's own npm folders: node's oidc-provider for the sign-in tests, axe-core for the accessibility tests.
TEST_FOLDERS = (ROOT / "tests" / "oidc", ROOT / "tests" / "axe")


def lock_hash(folder: Path) -> str:
    return hashlib.sha256((folder / "package-lock.json").read_bytes()).hexdigest()


def npm_ci(folder: Path) -> None:
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("assets: npm not found; run `make system` or install Node.js and npm")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=folder, check=True)


def install_pages() -> None:
    wanted = lock_hash(ROOT)
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    print("assets: installing front-end packages with npm ci")
    npm_ci(ROOT)
    shutil.rmtree(VENDOR, ignore_errors=True)
    for package, folder in PACKAGES.items():
        shutil.copytree(ROOT / "node_modules" / package / folder, VENDOR / package,
                        ignore=shutil.ignore_patterns("*.map", "*.html", "*-src.esm.js"))
    STAMP.write_text(wanted + "\n")
    print(f"assets: copied {', '.join(PACKAGES)} to {VENDOR.relative_to(ROOT)}")


def install_test_folder(folder: Path) -> None:
    stamp = folder / "node_modules" / ".riskkarta-stamp"
    wanted = lock_hash(folder)
    if stamp.exists() and stamp.read_text().strip() == wanted:
        return
    print(f"assets: installing {folder.relative_to(ROOT)} for the tests with npm ci")
    npm_ci(folder)
    stamp.write_text(wanted + "\n")


def main() -> None:
    install_pages()
    if "--test" in sys.argv[1:]:
        for folder in TEST_FOLDERS:
            install_test_folder(folder)


if __name__ == "__main__":
    main()
