#!/usr/bin/env bash
# Map benchmark: KdTree vs STRtree, nearest-k in-process vs PostGIS KNN on the same 20,000 points, memory,
# and the anti-herding simulation. Installs PostGIS (Debian package postgresql-15-postgis-3) and runs a throwaway
# PostgreSQL on 127.0.0.1 (initdb as an unprivileged user, fsync off), removed at the end.
# Usage: bench/run-map.sh [index|nearest|herding|all] [--quick]
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '[run-map %(%H:%M:%S)T] %s\n' -1 "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin=/usr/lib/postgresql/15/bin
if [ ! -x "$pg_bin/initdb" ] || [ ! -e /usr/share/postgresql/15/extension/postgis.control ]; then
  log "installing postgresql-15-postgis-3"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends postgresql-15 postgresql-15-postgis-3
fi

dir=$(mktemp -d /tmp/tongban-mapbench-XXXXXX)
user=$(id -un)
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: the server runs as an unprivileged account that owns the directory.
  user=postgres
  id -u postgres >/dev/null 2>&1 || user=nobody
  chown "$user" "$dir"
fi
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u "$user" -- "$@"; else "$@"; fi; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() {
  run_pg "$pg_bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT

log "starting a throwaway PostgreSQL on 127.0.0.1:$port"
run_pg "$pg_bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=trust -E UTF8 --no-locale --no-sync >/dev/null
run_pg "$pg_bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c shared_buffers=256MB" start >/dev/null

log "building (Release)"
dotnet build bench/TongBan.MapBench/TongBan.MapBench.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
log "running"
dotnet bench/TongBan.MapBench/bin/Release/net10.0/TongBan.MapBench.dll "${1:-all}" \
  --pg "Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres" "${@:2}"
