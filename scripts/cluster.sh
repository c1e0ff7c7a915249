#!/usr/bin/env bash
# A single-region Riskkarta cluster on loopback: PostgreSQL primary + streaming standby, two app instances, HAProxy
# and an nginx tile cache (README: Scaling). The work is in scripts/cluster.py.
#   scripts/cluster.sh start [--small] | status | stop | clean
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
exec "$root/.venv/bin/python" "$root/scripts/cluster.py" "$@"
