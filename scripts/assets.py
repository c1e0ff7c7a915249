#!/usr/bin/env python3
"""Install the pages' front-end assets from the npm registry and copy them where the app serves them.

`npm ci` installs exactly what package-lock.json pins into node_modules/, then the `dist` folders of the
packages below are copied to webapp/static/vendor/ (gitignored). A stamp holding the lock file's hash makes
a second run a no-op. The pages load only these files: no CDN at run time.
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


def lock_hash() -> str:
    return hashlib.sha256((ROOT / "package-lock.json").read_bytes()).hexdigest()


def main() -> None:
    wanted = lock_hash()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("assets: npm not found; run `make system` or install Node.js and npm")
    print("assets: installing front-end packages with npm ci")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ROOT, check=True)
    shutil.rmtree(VENDOR, ignore_errors=True)
    for package, folder in PACKAGES.items():
        shutil.copytree(ROOT / "node_modules" / package / folder, VENDOR / package,
                        ignore=shutil.ignore_patterns("*.map", "*.html", "*-src.esm.js"))
    STAMP.write_text(wanted + "\n")
    print(f"assets: copied {', '.join(PACKAGES)} to {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
