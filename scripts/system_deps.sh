#!/usr/bin/env bash
# Install the system packages Riskkarta needs, only those that are missing (fast when nothing is).
#   scripts/system_deps.sh          for `make run`: PostgreSQL + PostGIS, GDAL tools, Node.js/npm, venv
#   scripts/system_deps.sh --test   the same plus Chromium for the browser tests and poppler-utils
# Debian/Ubuntu with apt; as root it installs, otherwise it uses sudo when allowed or says what to install.
set -euo pipefail

want=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# PostGIS for the PostgreSQL major that is installed (the newest), or the distribution's default.
major=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n 1 || true)
if [ -z "$major" ]; then
  want+=(postgresql postgresql-contrib)
  major=$(apt-cache depends postgresql 2>/dev/null | grep -o 'postgresql-[0-9]\+' | head -n 1 | cut -d- -f2 || true)
fi
if [ -n "$major" ]; then
  have_pkg "postgresql-$major-postgis-3" || want+=("postgresql-$major-postgis-3")
else
  want+=(postgis)
fi
have_pkg gdal-bin || want+=(gdal-bin)
command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
python3 -c 'import ensurepip, venv' 2>/dev/null || want+=(python3-venv)
# The PDF reports and map images use DejaVu Sans (Swedish letters, ≥, °).
have_pkg fonts-dejavu-core || want+=(fonts-dejavu-core)
if [ "${1:-}" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || want+=(chromium)
  # pdftoppm: the tests look at the PDFs (the map print, the reports) as images.
  command -v pdftoppm >/dev/null 2>&1 || want+=(poppler-utils)
  # The loopback cluster test (tests/webapp/test_cluster.py, scripts/cluster.sh): load balancer, tile cache and the
  # connection pooler in front of each database (the cluster starts its own; the package's service is never used).
  have_pkg haproxy || want+=(haproxy); have_pkg nginx-light || have_pkg nginx || want+=(nginx-light)
  have_pkg pgbouncer || want+=(pgbouncer)
fi

[ ${#want[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "Please install with your package manager: ${want[*]} (PostgreSQL with PostGIS 3, GDAL, Node.js)" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "Missing system packages: ${want[*]}" >&2
  echo "Install them with:  sudo apt-get install ${want[*]}" >&2
  exit 1
fi
echo "system: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
# A fresh PostgreSQL package may start its own cluster on 5432; ours runs beside it on its own port.
