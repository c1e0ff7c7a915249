#!/usr/bin/env bash
# A single-region Riskkarta cluster on loopback: PostgreSQL primary + streaming standby, a PgBouncer (transaction
# pooling) in front of each, two app instances, HAProxy and an nginx tile cache (README: Scaling). The work is in
# scripts/cluster.py.
#   scripts/cluster.sh start [--small] | status | stop | clean | db stop|start primary|standby
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
exec "$root/.venv/bin/python" "$root/scripts/cluster.py" "$@"
