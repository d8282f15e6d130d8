#!/usr/bin/env bash
# A 3-silo TongBan cluster on loopback sharing one PostgreSQL (the docker-compose.yml topology without Docker).
#
#   scripts/cluster.sh start        # build (Release), start PostgreSQL if needed, 3 silos; waits for /readyz on each
#   scripts/cluster.sh status       # pids, /readyz of each silo, membership rows
#   scripts/cluster.sh stop         # SIGTERM the silos (SIGKILL after 30 s), stop the throwaway PostgreSQL
#   scripts/cluster.sh kill N       # SIGKILL silo N (1..3): a crashed host, for fault experiments
#   scripts/cluster.sh restart N    # start silo N again on its own ports (supersedes its dead generation at once)
#   scripts/cluster.sh clean        # stop, then delete the run directory (database included)
#   scripts/cluster.sh pg-stop      # fault: pg_ctl stop -m fast on the throwaway PostgreSQL (silos keep running)
#   scripts/cluster.sh pg-start     # start it again on the same port and data directory
#   scripts/cluster.sh kill-all     # fault: SIGKILL every silo at once (a power cut)
#   scripts/cluster.sh start-silos  # start every silo that is not running, on its own ports, and wait for /readyz
#
# Silo N (1..3): HTTP http://127.0.0.1:508N, silo port 1111N, gateway port 3000N (each plus TONGBAN_PORT_OFFSET),
# log and pid in the run directory.
# Environment:
#   TONGBAN_RUN_DIR       run directory (default /tmp/tongban-cluster): logs, pids, signing key, throwaway database
#   TONGBAN_PG            connection string of an existing database (its user needs CREATE); unset = a throwaway
#                         PostgreSQL from /usr/lib/postgresql/*/bin in the run directory (kept across stop/start)
#   TONGBAN_SIGNING_KEY   HS256 key (≥ 32 bytes) for every silo; unset = a random one kept in $RUN/signing-key
#                         (the load generator reads it from there to mint clerk and citizen tokens)
#   TONGBAN_RATE_LIMITS   "production" keeps the per-client rate limits; by default they are LIFTED (1,000,000 per
#                         window) because a load generator is the whole province on one loopback address
#   TONGBAN_NO_BUILD=1    skip the Release build
#   TONGBAN_PORT_OFFSET   added to every silo port (default 0), so two clusters on one machine do not collide
#   TONGBAN_APPOINTMENT_CLOCK_OFFSET  TongBan:Appointments:TestClockOffset for every silo (load runs outside opening
#                         hours that include appointment check-ins; never in production)
#   TONGBAN_HALL_CLOCK_OFFSET  TongBan:Halls:TestClockOffset for every silo: load runs that take tickets and open windows
#                         at night or on a rest day (the hall's clock refuses them otherwise); never in production
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

run=${TONGBAN_RUN_DIR:-/tmp/tongban-cluster}
silos=(1 2 3)
dll="$repo/Silo/bin/Release/net10.0/TongBan.Silo.dll"

offset=${TONGBAN_PORT_OFFSET:-0}
http_port() { echo $((5080 + offset + $1)); }
silo_port() { echo $((11110 + offset + $1)); }
gateway_port() { echo $((30000 + offset + $1)); }

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n | tail -1)
  [ -n "$d" ] && [ -x "$d/pg_ctl" ] || { echo "no PostgreSQL binaries under /usr/lib/postgresql/*/bin (apt-get install postgresql) and TONGBAN_PG is unset" >&2; exit 1; }
  echo "$d"
}

# As root, PostgreSQL runs as postgres (or nobody): initdb refuses root.
as_pg() {
  if [ "$(id -u)" = 0 ]; then
    local user=postgres
    id -u postgres >/dev/null 2>&1 || user=nobody
    runuser -u "$user" -- "$@"
  else
    "$@"
  fi
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

start_postgres() {
  if [ -n "${TONGBAN_PG:-}" ]; then
    echo "$TONGBAN_PG" >"$run/connection-string"
    return
  fi

  local bin data port password
  bin=$(pg_bin)
  data="$run/pg/data"
  if [ ! -d "$data" ]; then
    mkdir -p "$run/pg"
    password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
    echo "$password" >"$run/pg/password"
    [ "$(id -u)" = 0 ] && chown -R "$(id -u postgres >/dev/null 2>&1 && echo postgres || echo nobody)" "$run/pg"
    as_pg "$bin/initdb" -D "$data" -U postgres --pwfile "$run/pg/password" --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --no-locale --no-sync >"$run/pg/initdb.log"
    free_port >"$run/pg/port"
  fi

  port=$(cat "$run/pg/port")
  password=$(cat "$run/pg/password")
  if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    # Same settings as the test fixture: fsync off (a throwaway server; numbers are an upper bound for a durable one).
    as_pg "$bin/pg_ctl" -D "$data" -l "$run/pg/server.log" -w -t 60 \
      -o "-p $port -k $run/pg -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
      start >/dev/null
  fi

  if ! as_pg "$bin/psql" -h "$run/pg" -p "$port" -U postgres -tAc "select 1 from pg_database where datname='tongban'" | grep -q 1; then
    as_pg "$bin/createdb" -h "$run/pg" -p "$port" -U postgres tongban
  fi

  echo "Host=127.0.0.1;Port=$port;Database=tongban;Username=postgres;Password=$password" >"$run/connection-string"
}

signing_key() {
  if [ -n "${TONGBAN_SIGNING_KEY:-}" ]; then
    echo "$TONGBAN_SIGNING_KEY" >"$run/signing-key"
  elif [ ! -s "$run/signing-key" ]; then
    head -c 36 /dev/urandom | base64 | tr -d '/+=' >"$run/signing-key"
  fi
  chmod 600 "$run/signing-key"
}

alive() { [ -f "$run/silo$1.pid" ] && kill -0 "$(cat "$run/silo$1.pid")" 2>/dev/null; }

start_silo() {
  local n=$1
  if alive "$n"; then
    echo "silo$n already running (pid $(cat "$run/silo$n.pid"))"
    return
  fi

  local limits=()
  if [ "${TONGBAN_RATE_LIMITS:-lifted}" != production ]; then
    for policy in nearest ticketTaking hotlineVerification ratingSubmission; do
      limits+=("TongBan__Security__RateLimits__${policy}__PermitLimit=1000000")
    done
  fi

  # setsid: the silo outlives this script and gets its own process group.
  env ConnectionStrings__TongBan="$(cat "$run/connection-string")" \
    TongBan__Silo__ClusterId=tongban TongBan__Silo__ServiceId=tongban \
    TongBan__Silo__AdvertisedAddress=127.0.0.1 \
    TongBan__Silo__SiloPort="$(silo_port "$n")" TongBan__Silo__GatewayPort="$(gateway_port "$n")" \
    TongBan__Auth__Issuer=tongban TongBan__Auth__Audience=tongban-api \
    TongBan__Auth__SigningKey="$(cat "$run/signing-key")" \
    ASPNETCORE_URLS="http://127.0.0.1:$(http_port "$n")" \
    Logging__LogLevel__Microsoft.AspNetCore=Warning Logging__LogLevel__Polly=Warning \
    ${TONGBAN_APPOINTMENT_CLOCK_OFFSET:+TongBan__Appointments__TestClockOffset="$TONGBAN_APPOINTMENT_CLOCK_OFFSET"} \
    ${TONGBAN_HALL_CLOCK_OFFSET:+TongBan__Halls__TestClockOffset="$TONGBAN_HALL_CLOCK_OFFSET"} \
    "${limits[@]}" \
    setsid dotnet "$dll" >>"$run/silo$n.log" 2>&1 </dev/null &
  echo $! >"$run/silo$n.pid"
  echo "silo$n: pid $!, http://127.0.0.1:$(http_port "$n"), silo port $(silo_port "$n"), gateway $(gateway_port "$n"), log $run/silo$n.log"
}

wait_ready() {
  local deadline=$((SECONDS + ${TONGBAN_READY_TIMEOUT:-180})) n
  for n in "$@"; do
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(http_port "$n")/readyz")" = 200 ]; do
      if ! alive "$n"; then
        echo "silo$n exited before it was ready; last lines of $run/silo$n.log:" >&2
        tail -20 "$run/silo$n.log" >&2
        exit 1
      fi
      if [ $SECONDS -ge "$deadline" ]; then
        echo "silo$n not ready in time; see $run/silo$n.log" >&2
        exit 1
      fi
      sleep 0.5
    done
    echo "silo$n ready"
  done
}

stop_silo() {
  local n=$1 pid i
  alive "$n" || { rm -f "$run/silo$n.pid"; return 0; }
  pid=$(cat "$run/silo$n.pid")
  kill -TERM "$pid"
  for i in $(seq 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  rm -f "$run/silo$n.pid"
  echo "silo$n stopped"
}

stop_postgres() {
  [ -z "${TONGBAN_PG:-}" ] && [ -d "$run/pg/data" ] || return 0
  local bin
  bin=$(pg_bin)
  as_pg "$bin/pg_ctl" -D "$run/pg/data" -m fast -w stop >/dev/null 2>&1 && echo "postgres stopped" || true
}

check_silo() {
  case "${1:-}" in
    1 | 2 | 3) ;;
    *) echo "silo number 1..3 expected" >&2; exit 2 ;;
  esac
}

case "${1:-}" in
  start)
    mkdir -p "$run"
    if [ "${TONGBAN_NO_BUILD:-0}" != 1 ]; then
      nice -n 19 dotnet build Silo/TongBan.Silo.csproj -c Release -nologo -v quiet -clp:ErrorsOnly
    fi
    start_postgres
    signing_key
    echo "== load average: $(cut -d' ' -f1-3 /proc/loadavg)"
    [ "${TONGBAN_RATE_LIMITS:-lifted}" != production ] && echo "per-client rate limits LIFTED for load runs (TONGBAN_RATE_LIMITS=production keeps them)"
    for n in "${silos[@]}"; do start_silo "$n"; done
    wait_ready "${silos[@]}"
    echo "run directory $run (signing key in $run/signing-key)"
    ;;
  stop)
    for n in "${silos[@]}"; do stop_silo "$n" & done
    wait
    stop_postgres
    ;;
  status)
    for n in "${silos[@]}"; do
      if alive "$n"; then state="pid $(cat "$run/silo$n.pid")"; else state="not running"; fi
      echo "silo$n: $state, /readyz $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$(http_port "$n")/readyz" || true)"
    done
    if [ -f "$run/connection-string" ] && [ -z "${TONGBAN_PG:-}" ] && [ -f "$run/pg/port" ]; then
      as_pg "$(pg_bin)/psql" -h "$run/pg" -p "$(cat "$run/pg/port")" -U postgres -d tongban -tAc \
        "select 'membership: ' || address || ':' || port || ' gen ' || generation || ' status ' || status from orleans.membership order by port, generation" 2>/dev/null || true
    fi
    ;;
  kill)
    check_silo "${2:-}"
    alive "$2" && kill -KILL "$(cat "$run/silo$2.pid")" && echo "silo$2 killed (SIGKILL) at $(date +%T.%N | cut -c1-12)"
    rm -f "$run/silo$2.pid"
    ;;
  restart)
    check_silo "${2:-}"
    stop_silo "$2"
    start_silo "$2"
    wait_ready "$2"
    ;;
  pg-stop)
    [ -z "${TONGBAN_PG:-}" ] || { echo "pg-stop needs the throwaway PostgreSQL (TONGBAN_PG is set)" >&2; exit 2; }
    as_pg "$(pg_bin)/pg_ctl" -D "$run/pg/data" -m fast -w stop >/dev/null
    echo "postgres stopped (fast) at $(date +%T.%N | cut -c1-12)"
    ;;
  pg-start)
    start_postgres
    echo "postgres started at $(date +%T.%N | cut -c1-12)"
    ;;
  kill-all)
    for n in "${silos[@]}"; do
      alive "$n" && kill -KILL "$(cat "$run/silo$n.pid")"
      rm -f "$run/silo$n.pid"
    done
    echo "every silo killed (SIGKILL) at $(date +%T.%N | cut -c1-12)"
    ;;
  start-silos)
    for n in "${silos[@]}"; do start_silo "$n"; done
    wait_ready "${silos[@]}"
    ;;
  clean)
    "$0" stop
    rm -rf "$run"
    ;;
  *)
    sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
